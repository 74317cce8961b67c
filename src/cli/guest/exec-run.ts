import type { Readable } from 'node:stream';
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
  /** After a forwarded signal, how long before saying a second one kills the command. @default 2000 */
  signalNoticeMs?: number;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The first line the command prints, on stderr (or the PTY): its PID, so a
 * local signal can be delivered with `kill` over a second channel. SSH
 * `signal` requests are not enough: dropbear 2022.83 (the minimal image)
 * accepts them and does nothing (measured: `sleep` lives on).
 */
const PID_MARK = 'banger-pid:';
const PID_LINE = /^banger-pid:(\d+)\r?\n/;

/** The line as sent: announce the PID, then run it (with `exec`, the PID stays the command's). */
export function announcingPid(line: string): string {
  return `printf '${PID_MARK}%s\\n' "$$" >&2; ${line}`;
}

/**
 * Signals the guest command and everything it started, like a terminal's
 * Ctrl-C reaching the whole foreground job. Where the session's process
 * leads a process group (OpenSSH; any PTY session) `kill -SIG -PID` does it.
 * dropbear runs a command without a PTY in its own group, so there the tree
 * is walked through /proc/PID/task/TID/children first and signalled in one
 * `kill` (children listed before they can be re-parented).
 */
export function killCommand(pid: number, sig: NodeJS.Signals): string {
  const name = sig.slice(3);
  // No `--`: busybox ash's kill takes it for a PID ("invalid number '--'"); -N after the signal is a group in ash, dash and bash alike.
  const tree = `t=${pid}; all=${pid}; while [ -n "$t" ]; do n=; for q in $t; do n="$n $(cat /proc/$q/task/*/children 2>/dev/null)"; done; t=$(echo $n); all="$all $t"; done`;
  return `kill -${name} -${pid} 2>/dev/null || { ${tree}; kill -${name} $all; }`;
}

/**
 * Copies `from` to `to`, taking the PID line off the front (the only place
 * it can be, as the command line prints it before anything else runs).
 */
function pipeWithoutPid(from: Readable, to: NodeJS.WritableStream, onPid: (pid: number) => void): void {
  let head: Buffer | undefined = Buffer.alloc(0);
  from.on('data', (chunk: Buffer) => {
    if (head === undefined) {
      to.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const m = PID_LINE.exec(text);
    if (m) {
      onPid(Number(m[1]));
      const rest = head.subarray(m[0].length);
      head = undefined;
      if (rest.length > 0) to.write(rest);
    } else if (!PID_MARK.startsWith(text.slice(0, PID_MARK.length)) || head.length > 64 || (text.length > PID_MARK.length && text.includes('\n'))) {
      // Not the mark (a server that runs something before the command, e.g. a banner): pass it all on.
      to.write(head);
      head = undefined;
    }
  });
  from.on('end', () => {
    if (head !== undefined && head.length > 0) to.write(head);
  });
}

/**
 * Runs one command line on an open SSH connection and resolves with the CLI's
 * exit code (see exitCodeFor). Contract:
 * - stdin is passed only when `opts.stdin`; otherwise the guest sees EOF at once;
 * - with a PTY the window size is sent at start and on every local resize, and
 *   a terminal stdin is put in raw mode (so Ctrl-C and keys reach the guest's
 *   line discipline) and restored on every way out, errors included;
 * - SIGINT, SIGTERM and SIGHUP received by the CLI are delivered to the guest
 *   command's process group with `kill` on a second channel (the PID comes
 *   from the line's first output, see announcingPid); a second one of the same
 *   kind sends SIGKILL, closes the channel, and the CLI exits with 128+N;
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

      let pid: number | undefined;
      /** Signals the command over a second channel; before its PID is known, with an SSH signal request (OpenSSH honours it). */
      const deliver = (sig: NodeJS.Signals): void => {
        if (pid === undefined) {
          stream.signal(sig.slice(3));
          return;
        }
        client.exec(killCommand(pid, sig), (err, ch) => {
          if (err) return;
          ch.resume();
          ch.stderr.resume();
          ch.end();
        });
      };
      const onSignal = (sig: NodeJS.Signals): void => {
        if (sent.has(sig)) {
          // Asked twice: the command ignores it. Kill it for good and close, so nothing is left running in the guest.
          forced = 128 + signalNumber(sig);
          deliver('SIGKILL');
          setTimeout(() => stream.close(), 500).unref();
          return;
        }
        sent.add(sig);
        deliver(sig);
        if (sig === 'SIGHUP') {
          // The terminal is gone: nobody is left to ask twice.
          forced = 128 + signalNumber(sig);
          setTimeout(() => stream.close(), opts.signalNoticeMs ?? 2000).unref();
          return;
        }
        notice ??= setTimeout(() => io.stderr.write(`\nbanger: sent ${sig} to the guest command; send it again to kill it\n`), opts.signalNoticeMs ?? 2000);
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
      const gotPid = (n: number): void => {
        pid = n;
      };
      // With a PTY the guest's stderr is the terminal, so the PID line arrives on stdout.
      if (opts.pty) {
        pipeWithoutPid(stream, io.stdout, gotPid);
        stream.stderr.pipe(io.stderr, { end: false });
      } else {
        stream.pipe(io.stdout, { end: false });
        pipeWithoutPid(stream.stderr, io.stderr, gotPid);
      }

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
        client.exec(announcingPid(line), { pty: window }, onChannel);
      } else {
        client.exec(announcingPid(line), onChannel);
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
