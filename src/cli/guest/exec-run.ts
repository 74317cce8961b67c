import type { Client, ClientChannel } from 'ssh2';
import { GuestError, InvalidInputError } from '../../errors/index.js';
import { execCapture } from '../../guest/ssh/index.js';
import { exitCodeFor, preflightCommand, signalNumber, type ExecFlags } from './exec-options.js';

/** The local side of a guest command: process streams in the CLI, fakes in tests. */
export interface LocalIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number; on(event: 'resize', fn: () => void): unknown; off?(event: 'resize', fn: () => void): unknown };
  stderr: NodeJS.WritableStream;
  /** Where local signals come from (`process`). */
  signals: { on(sig: NodeJS.Signals, fn: () => void): unknown; off(sig: NodeJS.Signals, fn: () => void): unknown };
}

export interface GuestRunOptions {
  pty: boolean;
  stdin: boolean;
  /** TERM for the PTY. @default $TERM or xterm-256color */
  term?: string;
  /** After a forwarded signal, how long before saying a second one closes the session. @default 2000 */
  signalNoticeMs?: number;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs one command line on an open SSH connection and resolves with the CLI's
 * exit code (see exitCodeFor). Contract:
 * - stdin is passed only when `opts.stdin`; otherwise the guest sees EOF at once;
 * - with a PTY the window size is sent at start and on every local resize, and
 *   a terminal stdin is put in raw mode (so Ctrl-C and keys reach the guest's
 *   line discipline) and restored on every way out, errors included;
 * - SIGINT, SIGTERM and SIGHUP received by the CLI are sent to the guest
 *   process as SSH `signal` requests (dropbear and OpenSSH both honour them);
 *   a second one of the same kind closes the channel and the CLI exits with
 *   128+N, for a command that ignores it or a server that does not;
 * - local stdin is released at the end, so a still-open pipe does not keep the CLI alive.
 */
export function runGuestCommand(client: Client, line: string, io: LocalIo, opts: GuestRunOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const onChannel = (err: Error | undefined, stream: ClientChannel): void => {
      if (err) {
        reject(new GuestError(`could not run the command in the guest: ${err.message}`, { cause: err, code: 'ssh.exec' }));
        return;
      }
      const raw = opts.pty && opts.stdin && io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
      let status: { code: number | null; signal?: string } | undefined;
      let forced: number | undefined;
      const sent = new Set<NodeJS.Signals>();
      let notice: NodeJS.Timeout | undefined;

      const onSignal = (sig: NodeJS.Signals): void => {
        if (sent.has(sig)) {
          // Asked twice: the command ignores it or the server dropped the request. Close, as ssh(1) does when its peer is gone.
          forced = 128 + signalNumber(sig);
          stream.close();
          return;
        }
        sent.add(sig);
        // ssh2 wants the name without SIG; the request has no reply, so a server that ignores it is only seen by the command living on.
        stream.signal(sig.slice(3));
        if (sig === 'SIGHUP') {
          // The terminal is gone: nobody is left to ask twice.
          forced = 128 + signalNumber(sig);
          setTimeout(() => stream.close(), opts.signalNoticeMs ?? 2000).unref();
          return;
        }
        notice ??= setTimeout(() => io.stderr.write(`\nbanger: sent ${sig} to the guest command; send it again to close the session\n`), opts.signalNoticeMs ?? 2000);
        notice.unref();
      };
      const handlers = new Map(FORWARDED.map((s) => [s, () => onSignal(s)] as const));
      for (const [s, fn] of handlers) io.signals.on(s, fn);

      const onResize = (): void => {
        stream.setWindow(io.stdout.rows ?? 24, io.stdout.columns ?? 80, 0, 0);
      };
      if (opts.pty) io.stdout.on('resize', onResize);
      if (raw) io.stdin.setRawMode!(true);

      const onData = (chunk: Buffer | string): void => {
        stream.write(chunk);
      };
      const onEnd = (): void => {
        stream.end();
      };
      if (opts.stdin) {
        io.stdin.on('data', onData);
        io.stdin.once('end', onEnd);
        io.stdin.resume();
      } else {
        // No -i: the command reads EOF, as under docker exec without -i.
        stream.end();
      }
      stream.pipe(io.stdout, { end: false });
      stream.stderr.pipe(io.stderr, { end: false });

      stream.on('exit', (code: number | null, signalName?: string) => {
        status = { code: typeof code === 'number' ? code : null, ...(signalName ? { signal: signalName } : {}) };
      });
      stream.on('close', () => {
        if (notice) clearTimeout(notice);
        for (const [s, fn] of handlers) io.signals.off(s, fn);
        io.stdout.off?.('resize', onResize);
        if (opts.stdin) {
          io.stdin.off('data', onData);
          io.stdin.off('end', onEnd);
          io.stdin.pause();
        }
        if (raw) io.stdin.setRawMode!(false);
        if (status !== undefined) resolve(exitCodeFor(status.code, status.signal));
        else resolve(forced ?? 255);
      });
    };
    try {
      if (opts.pty) {
        const window = { term: opts.term ?? process.env.TERM ?? 'xterm-256color', rows: io.stdout.rows ?? 24, cols: io.stdout.columns ?? 80 };
        client.exec(line, { pty: window }, onChannel);
      } else {
        client.exec(line, onChannel);
      }
    } catch (err) {
      reject(new GuestError(`could not run the command in the guest: ${(err as Error).message}`, { cause: err, code: 'ssh.exec' }));
    }
  });
}

/**
 * Checks the user and directory the command needs (preflightCommand) and
 * throws one clear error naming the fix. Does nothing when neither is asked.
 */
export async function checkGuestPrerequisites(client: Client, vmName: string, flags: Pick<ExecFlags, 'workdir' | 'user'>): Promise<void> {
  const script = preflightCommand(flags);
  if (script === undefined) return;
  const res = await execCapture(client, script);
  const missing = new Set(res.stdout.split('\n').map((s) => s.trim()));
  if (flags.user !== undefined && missing.has('user')) {
    throw new InvalidInputError(`no user ${flags.user} in VM ${vmName}`, {
      code: 'exec.user_missing',
      hint: `create it in the guest first: useradd -m ${flags.user} on debian; the minimal image has no useradd, add a line to /etc/passwd`,
    });
  }
  if (flags.workdir !== undefined && missing.has('workdir')) {
    throw new InvalidInputError(`no directory ${flags.workdir} in VM ${vmName}`, {
      code: 'exec.workdir_missing',
      hint: `create it first: banger vm exec ${vmName} -- mkdir -p ${flags.workdir}`,
    });
  }
}
