import { setTimeout as delay } from 'node:timers/promises';
import { createConnection } from 'node:net';
import { GuestError } from '../../errors/index.js';
import { connectSsh, type SshSession, type SshTarget } from './client.js';

export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between attempts. @default 250 */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Called before each attempt with the attempt number and elapsed ms, for progress output. */
  onAttempt?: (attempt: number, elapsedMs: number, lastError?: string) => void;
  now?: () => number;
  /** The VM's name, for the hint that names its console log. */
  vmName?: string;
}

/** The console-log hint, with the VM's own name when the caller knows it. */
function consoleHint(vmName: string | undefined): string {
  return vmName !== undefined ? `see the console log: banger vm logs ${vmName}` : "see the guest's console log (banger vm logs with the VM's name)";
}

/**
 * Retries SSH until the guest answers and authenticates, then returns the open
 * session. Host-key mismatches are not retried (they will not fix themselves).
 */
export async function waitForSsh(target: SshTarget, opts: WaitOptions): Promise<SshSession> {
  const now = opts.now ?? Date.now;
  const start = now();
  let last: Error | undefined;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new GuestError('stopped waiting for SSH: aborted', { code: 'ssh.aborted' });
    const elapsed = now() - start;
    if (elapsed > opts.timeoutMs) {
      const who = opts.vmName !== undefined ? `VM ${opts.vmName}` : `guest ${target.hostNames[0] ?? target.host}`;
      throw new GuestError(`${who} did not answer SSH within ${Math.round(opts.timeoutMs / 1000)} s (last error: ${last?.message ?? 'none'})`, {
        code: 'ssh.timeout',
        hint: consoleHint(opts.vmName),
      });
    }
    opts.onAttempt?.(attempt, elapsed, last?.message);
    try {
      const remaining = Math.max(1000, opts.timeoutMs - elapsed);
      return await connectSsh(target, { signal: opts.signal, readyTimeoutMs: Math.min(10_000, remaining) });
    } catch (err) {
      if (err instanceof GuestError && (err.code === 'ssh.host_key_changed' || err.code === 'ssh.aborted')) throw err;
      last = err as Error;
    }
    try {
      await delay(opts.intervalMs ?? 250, undefined, { signal: opts.signal });
    } catch {
      throw new GuestError('stopped waiting for SSH: aborted', { code: 'ssh.aborted' });
    }
  }
}

/**
 * Retries until something at host:port sends an SSH identification line
 * ("SSH-2.0-..."), then closes: the server is up, without a key exchange.
 * Used for a guest restored from a snapshot, whose login set-up is the
 * snapshotted one and whose sshd has just been restarted with new host keys.
 */
export async function waitForSshBanner(host: string, port: number, opts: WaitOptions): Promise<string> {
  const now = opts.now ?? Date.now;
  const start = now();
  let last = 'none';
  for (;;) {
    if (opts.signal?.aborted) throw new GuestError('stopped waiting for SSH: aborted', { code: 'ssh.aborted' });
    if (now() - start > opts.timeoutMs) {
      throw new GuestError(`nothing at ${host}:${port} answered as an SSH server within ${Math.round(opts.timeoutMs / 1000)} s (last error: ${last})`, { code: 'ssh.timeout', hint: consoleHint(opts.vmName) });
    }
    try {
      return await readBanner(host, port, Math.min(5000, Math.max(500, opts.timeoutMs - (now() - start))));
    } catch (err) {
      last = (err as Error).message;
    }
    try {
      await delay(opts.intervalMs ?? 250, undefined, { signal: opts.signal });
    } catch {
      throw new GuestError('stopped waiting for SSH: aborted', { code: 'ssh.aborted' });
    }
  }
}

function readBanner(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host, port });
    let buf = '';
    const finish = (err: Error | null, line?: string) => {
      sock.destroy();
      if (err) reject(err);
      else resolve(line!);
    };
    sock.setTimeout(timeoutMs, () => finish(new Error(`no SSH banner within ${timeoutMs} ms`)));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const line = buf.split(/\r?\n/).find((l) => l.startsWith('SSH-'));
      if (line) finish(null, line);
      else if (buf.length > 8192) finish(new Error('no SSH banner in the first 8 KiB'));
    });
    sock.once('error', (e) => finish(e));
    sock.once('close', () => finish(new Error('closed before an SSH banner')));
  });
}
