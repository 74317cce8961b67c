import { render, type Instance } from 'ink';
import type { ReactElement } from 'react';
import { guardTerminal, type GuardProcess } from './terminal-guard.js';

export interface FullScreenOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  proc?: GuardProcess;
  /** Runs once when the app ends for any reason (quit, signal, crash), before the terminal is restored. */
  onStop?: () => void;
}

/**
 * Renders `element` with Ink on the alternate screen and resolves when the
 * user quits. Rejects with the error when the app crashes (a throw in render,
 * an input handler or a stray promise), after the terminal is back on the
 * normal screen, so the caller can print it there. A SIGTERM/SIGHUP/SIGINT
 * restores the terminal and ends the process with that signal.
 */
export async function runFullScreen(element: ReactElement, opts: FullScreenOptions = {}): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  let app: Instance | undefined;
  const guard = guardTerminal({
    out: stdout,
    stdin,
    proc: opts.proc ?? process,
    onStop: () => {
      try {
        app?.unmount();
      } finally {
        opts.onStop?.();
      }
    },
  });
  guard.attach();
  try {
    app = render(element, { stdout, stdin, exitOnCtrlC: true });
    const { clear } = app;
    guard.setForget(() => clear());
    await Promise.race([app.waitUntilExit(), guard.failure]);
  } finally {
    guard.stop();
  }
}
