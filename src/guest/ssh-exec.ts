import { Client, type ConnectConfig } from 'ssh2';
import { GuestError } from '../errors/index.js';

/**
 * Minimal SSH access to a guest with ssh2: wait until sshd answers and
 * accepts banger's key, and run one command. Host-key pinning (known_hosts)
 * comes with the ssh module that extends this one.
 */

export interface SshTarget {
  host: string;
  port?: number;
  username?: string;
  privateKey: string | Buffer;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code; 255 when the command was killed by a signal. */
  code: number;
}

/** Runs one command and collects its output. Rejects with GuestError if the connection fails. */
export async function sshExec(
  target: SshTarget,
  command: string,
  opts: { signal?: AbortSignal; timeoutMs?: number; stdin?: string } = {},
): Promise<ExecResult> {
  const client = await connect(target, opts.timeoutMs ?? 20_000, opts.signal);
  try {
    return await new Promise<ExecResult>((resolve, reject) => {
      const onAbort = (): void => {
        client.end();
        reject(new GuestError(`ssh command cancelled on ${target.host}`, { code: 'guest.aborted' }));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      client.exec(command, (err, stream) => {
        if (err) {
          opts.signal?.removeEventListener('abort', onAbort);
          reject(new GuestError(`ssh exec on ${target.host} failed: ${err.message}`, { cause: err }));
          return;
        }
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let code = 255;
        stream.on('data', (b: Buffer) => out.push(b));
        stream.stderr.on('data', (b: Buffer) => errb.push(b));
        stream.on('exit', (c: number | null) => {
          code = c ?? 255;
        });
        stream.on('close', () => {
          opts.signal?.removeEventListener('abort', onAbort);
          resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errb).toString('utf8'), code });
        });
        if (opts.stdin !== undefined) stream.end(opts.stdin);
        else stream.end();
      });
    });
  } finally {
    client.end();
  }
}

/**
 * Polls until the guest's sshd accepts banger's key and runs `true`, or the
 * bound passes (GuestError naming the last failure). Each attempt is bounded
 * so a half-up network stack cannot stall the loop.
 */
export async function waitForSsh(
  target: SshTarget,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<{ attempts: number; elapsedMs: number }> {
  const start = Date.now();
  const deadline = start + opts.timeoutMs;
  let attempts = 0;
  let last = 'no attempt made';
  while (Date.now() < deadline) {
    if (opts.signal?.aborted) throw new GuestError(`waiting for SSH on ${target.host} was cancelled`, { code: 'guest.aborted' });
    attempts++;
    try {
      const left = Math.max(1000, Math.min(10_000, deadline - Date.now()));
      const res = await sshExec(target, 'true', { timeoutMs: left, signal: opts.signal });
      if (res.code === 0) return { attempts, elapsedMs: Date.now() - start };
      last = `probe exited ${res.code}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(opts.intervalMs ?? 250, opts.signal);
  }
  throw new GuestError(`guest ${target.host} did not answer SSH within ${Math.round(opts.timeoutMs / 1000)} s (last: ${last})`, {
    hint: 'check the VM console log (banger vm logs NAME)',
    code: 'guest.ssh_timeout',
  });
}

function connect(target: SshTarget, timeoutMs: number, signal?: AbortSignal): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let settled = false;
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        client.end();
        reject(err);
      } else resolve(client);
    };
    const onAbort = (): void => done(new GuestError(`ssh to ${target.host} cancelled`, { code: 'guest.aborted' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    client.on('ready', () => done());
    client.on('error', (e) => done(new GuestError(`ssh to ${target.host}: ${e.message}`, { cause: e })));
    client.on('close', () => done(new GuestError(`ssh to ${target.host}: connection closed`)));
    const cfg: ConnectConfig = {
      host: target.host,
      port: target.port ?? 22,
      username: target.username ?? 'root',
      privateKey: target.privateKey,
      readyTimeout: timeoutMs,
      // Host keys are per VM and generated at first boot; pinning is the ssh-config module's job.
      hostVerifier: () => true,
    };
    client.connect(cfg);
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
