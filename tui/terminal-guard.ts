import { constants } from 'node:os';
import { fullScreen, type TerminalOut } from './terminal.js';

/** The signals that end the TUI with the terminal restored (Ctrl-C is a key in raw mode, not a signal). */
export const GUARDED_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
export type GuardedSignal = (typeof GUARDED_SIGNALS)[number];

export type CrashEvent = 'uncaughtException' | 'unhandledRejection';

/** The slice of `process` the guard uses; tests pass a fake. */
export interface GuardProcess {
  readonly pid: number;
  on(ev: GuardedSignal, fn: (sig: GuardedSignal) => void): unknown;
  on(ev: CrashEvent, fn: (err: unknown) => void): unknown;
  off(ev: GuardedSignal, fn: (sig: GuardedSignal) => void): unknown;
  off(ev: CrashEvent, fn: (err: unknown) => void): unknown;
  removeAllListeners(ev: GuardedSignal): unknown;
  kill(pid: number, sig: GuardedSignal): unknown;
  exit(code: number): void;
}

/** The terminal's input end: raw mode goes off on the way out. */
export interface GuardStdin {
  isTTY?: boolean;
  setRawMode?(on: boolean): unknown;
}

export interface TerminalGuardOptions {
  out: TerminalOut;
  stdin: GuardStdin;
  proc: GuardProcess;
  /** Stops the app (unmount Ink, close connections); runs once, before the terminal is restored. */
  onStop?: () => void;
}

const SHOW_CURSOR = '\u001B[?25h';

/** Exit status a shell reports for a process ended by `sig`. */
export function signalExitCode(sig: GuardedSignal): number {
  return 128 + constants.signals[sig];
}

/**
 * Owns the terminal while the TUI runs, so every way out puts it back: the
 * alternate screen left, the cursor shown, raw mode off. Ink restores the
 * cursor and raw mode on a clean exit only, and the alternate screen is ours,
 * so a SIGTERM/SIGHUP (window closed, `kill PID`) or an uncaught error used to
 * leave the user's shell on a blank, cursorless, raw terminal.
 *
 * On a signal: stop the app, restore, then die of the same signal (the shell
 * sees 128+N, e.g. 143 for SIGTERM). On an uncaught exception or unhandled
 * rejection: stop, restore, and reject `failure` with the error so the caller
 * prints it on the normal screen.
 */
export function guardTerminal(opts: TerminalGuardOptions) {
  const { out, stdin, proc } = opts;
  const screen = fullScreen(out);
  let attached = false;
  let stopped = false;
  let rejectFailure: (err: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    rejectFailure = reject;
  });
  // The caller races on it; an unobserved rejection must not become a second crash.
  failure.catch(() => undefined);

  const onSignal = (sig: GuardedSignal): void => {
    stop();
    // With no listener left, Node puts back the default action, so the re-raised signal ends the process.
    proc.removeAllListeners(sig);
    proc.kill(proc.pid, sig);
    // Only reached if the signal did not end the process at once.
    proc.exit(signalExitCode(sig));
  };
  const onCrash = (err: unknown): void => {
    stop();
    rejectFailure(err);
  };

  function unlisten(): void {
    for (const sig of GUARDED_SIGNALS) proc.off(sig, onSignal);
    proc.off('uncaughtException', onCrash);
    proc.off('unhandledRejection', onCrash);
  }

  /** Stops the app once and restores the terminal. Idempotent; safe to call from any exit path. */
  function stop(): void {
    if (stopped) return;
    stopped = true;
    unlisten();
    try {
      opts.onStop?.();
    } catch {
      // The app is already broken; the terminal still has to come back.
    }
    if (!attached) return;
    try {
      if (stdin.isTTY) stdin.setRawMode?.(false);
    } catch {
      // A hung-up terminal (SIGHUP) can refuse the ioctl; nothing is left to restore then.
    }
    screen.detach();
    out.write(SHOW_CURSOR);
  }

  return {
    /** Rejects with the first uncaught error or unhandled rejection after `attach`. */
    failure,
    /** Enters the alternate screen and starts listening. Call before Ink's render() (see fullScreen). */
    attach(): void {
      attached = true;
      screen.attach();
      for (const sig of GUARDED_SIGNALS) proc.on(sig, onSignal);
      proc.on('uncaughtException', onCrash);
      proc.on('unhandledRejection', onCrash);
    },
    setForget: screen.setForget,
    stop,
  };
}
