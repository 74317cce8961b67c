import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { GuestError } from '../../errors/index.js';

export interface ExecOptions {
  stdout?: Writable;
  stderr?: Writable;
  stdin?: Readable | Buffer | string;
  signal?: AbortSignal;
}

/** Exit status of a guest command: the code, or 128+N style for a signal like OpenSSH's client. */
export interface ExecResult {
  code: number;
  signal?: string;
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, TERM: 15, PIPE: 13, ABRT: 6, SEGV: 11 };

/** Runs a command, streaming output, and resolves with the guest's exit status. */
export function execStream(client: Client, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream: ClientChannel) => {
      if (err) {
        reject(new GuestError(`could not run command in the guest: ${err.message}`, { cause: err, code: 'ssh.exec' }));
        return;
      }
      let result: ExecResult | undefined;
      const onAbort = (): void => {
        stream.signal('KILL');
        stream.close();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('exit', (code: number | null, signalName?: string) => {
        if (typeof code === 'number') result = { code };
        else if (signalName) result = { code: 128 + (SIGNALS[signalName] ?? 1), signal: signalName };
      });
      stream.on('close', () => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.signal?.aborted) reject(new GuestError('command aborted', { code: 'ssh.aborted' }));
        // No exit status means the connection dropped: OpenSSH reports 255 for that.
        else resolve(result ?? { code: 255, signal: 'connection-lost' });
      });
      if (opts.stdout) stream.pipe(opts.stdout, { end: false });
      else stream.resume();
      if (opts.stderr) stream.stderr.pipe(opts.stderr, { end: false });
      else stream.stderr.resume();
      if (opts.stdin === undefined) stream.end();
      else if (typeof opts.stdin === 'string' || Buffer.isBuffer(opts.stdin)) stream.end(opts.stdin);
      else opts.stdin.pipe(stream);
    });
  });
}

/** Runs a command and collects its output (for small outputs). */
export async function execCapture(client: Client, command: string, opts: { signal?: AbortSignal; stdin?: string | Buffer } = {}): Promise<ExecResult & { stdout: string; stderr: string }> {
  const out = new PassThrough();
  const errS = new PassThrough();
  const chunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  errS.on('data', (c: Buffer) => errChunks.push(c));
  const res = await execStream(client, command, { stdout: out, stderr: errS, ...opts });
  return { ...res, stdout: Buffer.concat(chunks).toString('utf8'), stderr: Buffer.concat(errChunks).toString('utf8') };
}
