import { readFile } from 'node:fs/promises';
import { GuestError, HostError } from '../../errors/index.js';
import { KnownHosts, waitForSsh, type SshSession } from '../../guest/ssh/index.js';
import type { RpcClient } from '../../rpc/index.js';
import type { SshTarget as RpcSshTarget } from '../../rpc/methods.js';

/**
 * Opens an SSH session to a VM as the daemon describes it (`vm.ssh`): guest IP,
 * banger's key, banger's own known_hosts with the key pinned under NAME.vm.
 * A short bounded retry covers a guest whose sshd is still coming up.
 */
export async function openGuestSession(
  client: RpcClient,
  name: string,
  opts: { timeoutMs?: number; signal?: AbortSignal; onWait?: (elapsedMs: number) => void } = {},
): Promise<{ session: SshSession; target: RpcSshTarget }> {
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
  const session = await waitForSsh(
    {
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey,
      hostNames: [target.hostKeyAlias, target.host],
      knownHosts: new KnownHosts(target.knownHostsPath),
    },
    {
      timeoutMs: opts.timeoutMs ?? 30_000,
      signal: opts.signal,
      onAttempt: (attempt, elapsed) => {
        if (attempt > 1) opts.onWait?.(elapsed);
      },
    },
  ).catch((err: unknown) => {
    if (err instanceof GuestError && !err.hint) {
      throw new GuestError(err.message, { code: err.code, cause: err, hint: `is it running? banger vm show ${name}; console: banger vm logs ${name}` });
    }
    throw err;
  });
  return { session, target };
}
