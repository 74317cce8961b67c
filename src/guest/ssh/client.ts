import { Client, type ClientChannel } from 'ssh2';
import { GuestError } from '../../errors/index.js';
import { hostKeyFromBlob, type HostKey, type KnownHosts } from './known-hosts.js';

export interface SshTarget {
  host: string;
  port?: number;
  username?: string;
  privateKey: Buffer | string;
  /** Names the host key is pinned under, e.g. ["dev.vm", "172.16.0.5"]. */
  hostNames: string[];
  knownHosts: KnownHosts;
}

/** A connected session; `close()` is idempotent. */
export interface SshSession {
  client: Client;
  close(): void;
}

/**
 * Opens one SSH connection with banger's key, checking the host key against
 * banger's known_hosts (pinning it when unknown, refusing when changed).
 * Rejects with GuestError; aborting `signal` ends the connection attempt.
 */
export function connectSsh(target: SshTarget, opts: { signal?: AbortSignal; readyTimeoutMs?: number } = {}): Promise<SshSession> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seenKey: HostKey | undefined;
    let settled = false;
    let keyProblem: GuestError | undefined;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        client.end();
        reject(err);
      } else {
        resolve({ client, close: () => client.end() });
      }
    };
    const onAbort = (): void => finish(new GuestError('SSH connection aborted', { code: 'ssh.aborted' }));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    client.on('ready', () => {
      // Pin only after authentication succeeded, so a failed handshake never records a key.
      if (seenKey && pinPending) {
        target.knownHosts.pin(target.hostNames, seenKey).then(() => finish(), (e: Error) => finish(e));
      } else {
        finish();
      }
    });
    client.on('error', (err) => finish(keyProblem ?? new GuestError(`SSH to ${target.hostNames[0] ?? target.host}: ${err.message}`, { cause: err, code: 'ssh.connect' })));
    client.on('close', () => finish(keyProblem ?? new GuestError(`SSH to ${target.host} closed during handshake`, { code: 'ssh.closed' })));
    let pinPending = false;
    client.connect({
      host: target.host,
      port: target.port ?? 22,
      username: target.username ?? 'root',
      privateKey: target.privateKey,
      readyTimeout: opts.readyTimeoutMs ?? 10_000,
      keepaliveInterval: 15_000,
      hostVerifier: (raw: Buffer, verify: (ok: boolean) => void) => {
        let key: HostKey;
        try {
          key = hostKeyFromBlob(raw);
        } catch {
          verify(false);
          return;
        }
        seenKey = key;
        target.knownHosts.verdict(target.hostNames, key).then(
          (v) => {
            if (v === 'mismatch') {
              keyProblem = new GuestError(`host key of ${target.hostNames[0]} changed since it was first seen`, {
                code: 'ssh.host_key_changed',
                hint: 'if the VM was rebuilt outside banger, delete and recreate it; otherwise someone may be intercepting the connection',
              });
              verify(false);
              return;
            }
            pinPending = v === 'unknown';
            verify(true);
          },
          () => verify(false),
        );
      },
    });
  });
}

export type { ClientChannel };
