import { readFile } from 'node:fs/promises';
import { GuestError, HostError } from '../../errors/index.js';
import { KnownHosts, waitForSsh, type SshSession } from '../../guest/ssh/index.js';
import type { RpcClient } from '../../rpc/index.js';
import type { Notifications, SshTarget as RpcSshTarget } from '../../rpc/methods.js';
import { startWaitNotice, type WaitNoticeOptions } from '../wait-notice.js';

/** vm states the session lives through. */
const STAYS = new Set(['running', 'pausing', 'paused', 'resuming']);

/** How long `vm ssh`, `vm exec`, `vm cp` and `vm run` wait for a guest's SSH to answer. */
export const SSH_WAIT_MS = 30_000;

export interface GuestSessionOptions {
  /** @default SSH_WAIT_MS */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** No "waiting for SSH on NAME" notice on stderr (--json). */
  quiet?: boolean;
  /** Where the notice goes. @default process.stderr */
  noticeStream?: WaitNoticeOptions['stream'];
}

/**
 * Opens an SSH session to a VM as the daemon describes it (`vm.ssh`): guest IP,
 * banger's key, banger's own known_hosts with the key pinned under NAME.vm.
 * A short bounded retry covers a guest whose sshd is still coming up; past a
 * second it says so on stderr with the elapsed time and the limit, and at
 * the limit it fails naming the VM and its console log. The session is
 * closed when the daemon reports the VM leaving `running`; `vmLeft()` then
 * names the state it went to.
 */
export async function openGuestSession(
  client: RpcClient,
  name: string,
  opts: GuestSessionOptions = {},
): Promise<{ session: SshSession; target: RpcSshTarget; vmLeft: () => string | null }> {
  const target = await client.call('vm.ssh', { name });
  let privateKey: Buffer;
  try {
    privateKey = await readFile(target.privateKeyPath);
  } catch (err) {
    throw new HostError(`cannot read banger's SSH key ${target.privateKeyPath}: ${(err as Error).message}`, {
      code: 'ssh.key',
      hint: 'run banger as the user that owns bangerd',
    });
  }
  // A VM killed under the session (stop --force, delete --force, a crash) never closes its TCP connections:
  // without this the client would wait for SSH keepalives to give up. The daemon says when it leaves running.
  let left: string | null = null;
  let opened: SshSession | undefined;
  const off = client.onNotification((method, params) => {
    const t = params as Partial<Notifications['vm.transition']> | undefined;
    // A pause keeps the guest and its connections: only leaving running-or-paused ends the session.
    if (method !== 'vm.transition' || t?.name !== target.name || t.to === undefined || STAYS.has(t.to)) return;
    left ??= t.to;
    // destroy, not end: a polite disconnect waits for a peer that may be gone.
    opened?.destroy();
  });
  const timeoutMs = opts.timeoutMs ?? SSH_WAIT_MS;
  const notice = startWaitNotice(`SSH on ${name}`, timeoutMs, { enabled: opts.quiet !== true, ...(opts.noticeStream ? { stream: opts.noticeStream } : {}) });
  try {
    await client.call('events.subscribe', { topics: ['vm.transition'] });
    opened = await waitForSsh(
      {
        host: target.host,
        port: target.port,
        username: target.user,
        privateKey,
        hostNames: [target.hostKeyAlias, target.host],
        knownHosts: new KnownHosts(target.knownHostsPath),
      },
      { timeoutMs, signal: opts.signal, vmName: name },
    );
  } catch (err) {
    off();
    if (err instanceof GuestError && err.code === 'ssh.timeout') {
      throw new GuestError(err.message, { code: err.code, cause: err, hint: `is it running? banger vm show ${name}; its console: banger vm logs ${name}` });
    }
    throw err;
  } finally {
    notice.stop();
  }
  const session = opened;
  // It left while we connected: the session is already dead, so say so at once.
  if (left !== null) session.destroy();
  return {
    session: {
      client: session.client,
      close: () => {
        off();
        session.close();
      },
      destroy: () => {
        off();
        session.destroy();
      },
    },
    target,
    vmLeft: () => left,
  };
}

/** "dev is stopping" for the line printed when a VM leaves running under a session. */
export function vmLeftLine(name: string, state: string): string {
  const what: Record<string, string> = { stopping: 'is stopping', stopped: 'stopped', error: 'failed', deleting: 'is being deleted' };
  return `banger: ${name} ${what[state] ?? `went ${state}`}; the SSH session is closed`;
}
