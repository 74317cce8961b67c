import { spawn } from 'node:child_process';

/** A program to hand the terminal to, as an argument array (no shell parses it). */
export interface InteractiveCommand {
  command: string;
  args: string[];
}

export interface InteractiveResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** A SIGTERM or SIGHUP sent to the TUI itself while the program ran (passed on to the program). */
  interrupted?: 'SIGTERM' | 'SIGHUP';
}

/** Runs a program on the terminal (stdio inherited) and resolves when it exits. Tests pass a fake. */
export type RunInteractive = (cmd: InteractiveCommand) => Promise<InteractiveResult>;

const PASSED_ON = ['SIGTERM', 'SIGHUP'] as const;
const LEFT_TO_CHILD = ['SIGINT', 'SIGQUIT'] as const;

/**
 * The real RunInteractive. While the program runs, Ctrl-C and Ctrl-\ at the
 * terminal signal the whole foreground group: they are the program's to act
 * on, so the TUI ignores them, as a shell's parent does while it waits
 * (system(3)). A SIGTERM or SIGHUP aimed at the TUI is passed on, and the
 * result says so, so the caller exits instead of drawing again.
 */
export const runInteractive: RunInteractive = (cmd) =>
  new Promise((resolve, reject) => {
    let interrupted: InteractiveResult['interrupted'];
    const child = spawn(cmd.command, cmd.args, { stdio: 'inherit' });
    const ignore = (): void => undefined;
    const passOn = (sig: (typeof PASSED_ON)[number]): void => {
      interrupted ??= sig;
      child.kill(sig);
    };
    for (const sig of LEFT_TO_CHILD) process.on(sig, ignore);
    for (const sig of PASSED_ON) process.on(sig, passOn);
    const done = (): void => {
      for (const sig of LEFT_TO_CHILD) process.off(sig, ignore);
      for (const sig of PASSED_ON) process.off(sig, passOn);
    };
    child.once('error', (err) => {
      done();
      reject(err);
    });
    child.once('exit', (code, signal) => {
      done();
      resolve({ code, signal, ...(interrupted ? { interrupted } : {}) });
    });
  });
