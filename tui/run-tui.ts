import { createElement } from 'react';
import { App, type AppProps } from './app.js';
import { runFullScreen } from './run-full-screen.js';
import { runInteractive as realRunInteractive, type InteractiveCommand, type InteractiveResult, type RunInteractive } from './run-interactive.js';
import type { TuiSource } from './source.js';
import { signalExitCode, type GuardProcess } from './terminal-guard.js';

export interface RunTuiOptions {
  source: TuiSource;
  /** The command that opens a shell in VM `name` (`banger vm ssh NAME`, by the CLI's own path). */
  shellCommand(name: string): InteractiveCommand;
  /** @default the real one: stdio inherited */
  runInteractive?: RunInteractive;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  proc?: GuardProcess;
  /** Passed to every App (tests pin the clock and colours). */
  app?: Pick<AppProps, 'now' | 'colors' | 'logRefreshMs'>;
}

/** The status line the TUI comes back with. */
export function shellOutcome(name: string, r: InteractiveResult): string {
  if (r.signal) return `the shell in ${name} ended by ${r.signal}`;
  if (r.code === 0) return `back from the shell in ${name}`;
  return `the shell in ${name} ended with exit code ${String(r.code)}`;
}

/**
 * `banger tui`: the full-screen app, and the shell key's round trip. When the
 * user asks for a shell, the app exits (Ink unmounts: raw mode off), the
 * terminal guard leaves the alternate screen, and the shell gets the terminal
 * on the normal screen. When it exits, a new app is drawn (the list loaded
 * afresh, the cursor on that VM, how the shell ended on the status line).
 */
export async function runTui(opts: RunTuiOptions): Promise<void> {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  const proc = opts.proc ?? process;
  const run = opts.runInteractive ?? realRunInteractive;
  let back: Pick<AppProps, 'select' | 'message'> = {};
  for (;;) {
    let shellIn: string | undefined;
    const app = createElement(App, {
      source: opts.source,
      ...opts.app,
      ...back,
      onShell: (name: string) => {
        shellIn = name;
      },
    });
    await runFullScreen(app, { stdin, stdout, proc });
    if (shellIn === undefined) return;
    // The shell must be the terminal's only reader. Ink stops listening on unmount; pausing makes
    // process.stdin stop its read as well (Node calls readStop on pause), should one be pending.
    // Defensive: with Ink 6.8 the tmux test sees every key reach the shell with or without it.
    stdin.pause();
    stdout.write(`banger: a shell in ${shellIn} (banger vm ssh ${shellIn}); exit it to come back to the TUI\n`);
    let message: string;
    try {
      const r = await run(opts.shellCommand(shellIn));
      if (r.interrupted) {
        // Someone ended the TUI while the shell ran: end as the terminal guard would have.
        proc.removeAllListeners(r.interrupted);
        proc.kill(proc.pid, r.interrupted);
        proc.exit(signalExitCode(r.interrupted));
        return;
      }
      message = shellOutcome(shellIn, r);
      // A failure (no such VM any more, SSH refused) printed why on this screen: let it be read first.
      if (r.code !== 0) await waitForEnter(stdin, stdout, message);
    } catch (err) {
      message = `could not open a shell in ${shellIn}: ${err instanceof Error ? err.message : String(err)}`;
    }
    back = { select: shellIn, message };
  }
}

/** Waits for a line (or end of input) on the cooked terminal, then stops reading again. */
function waitForEnter(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream, message: string): Promise<void> {
  stdout.write(`banger: ${message}; press Enter to return to the TUI\n`);
  return new Promise((resolve) => {
    const done = (): void => {
      stdin.off('data', done);
      stdin.off('end', done);
      stdin.pause();
      resolve();
    };
    stdin.on('data', done);
    stdin.on('end', done);
    // Ink unref()s stdin when it stops; without a ref, nothing may keep the process alive to read the line.
    stdin.ref();
    stdin.resume();
  });
}
