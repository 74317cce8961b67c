import { connect, type Socket } from 'node:net';
import { Client } from 'ssh2';
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

/** A connected session; `close()` and `destroy()` are idempotent. */
export interface SshSession {
  client: Client;
  /** Polite disconnect, forced after a second (a dead peer never answers). */
  close(): void;
  /** Drops the TCP connection at once (the VM is gone). */
  destroy(): void;
}

/**
 * Opens one SSH connection with banger's key, checking the host key against
 * banger's known_hosts (pinning it when unknown, refusing when changed).
 * Rejects with GuestError; aborting `signal` ends the connection attempt.
 */
/**
 * A polite disconnect, then a hard one: `end()` half-closes and waits for the peer's FIN, which a
 * VM killed meanwhile (vm run --rm deletes with force) never sends, and the half-open socket kept
 * the CLI alive for good. ssh2's own destroy() does nothing once the socket is half-closed, so
 * connectSsh owns the TCP socket and destroys it here.
 */
const CLOSE_GRACE_MS = 1000;
function closeSoon(client: Client, sock: Socket): void {
  client.end();
  const timer = setTimeout(() => sock.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  sock.once('close', () => clearTimeout(timer));
}

export function connectSsh(target: SshTarget, opts: { signal?: AbortSignal; readyTimeoutMs?: number } = {}): Promise<SshSession> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new GuestError('SSH connection aborted', { code: 'ssh.aborted' }));
      return;
    }
    const client = new Client();
    const sock = connect({ host: target.host, port: target.port ?? 22 });
    let seenKey: HostKey | undefined;
    let settled = false;
    let keyProblem: GuestError | undefined;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        closeSoon(client, sock);
        reject(err);
      } else {
        resolve({ client, close: () => closeSoon(client, sock), destroy: () => sock.destroy() });
      }
    };
    const onAbort = (): void => finish(new GuestError('SSH connection aborted', { code: 'ssh.aborted' }));
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
      sock,
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
