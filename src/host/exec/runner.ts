import { execFile } from 'node:child_process';

/**
 * The one seam every host command goes through. Commands are argument arrays,
 * never shell strings: nothing a caller passes is ever interpreted by a shell.
 */
export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Process exit code; null when killed by a signal. */
  exitCode: number | null;
}

export interface RunOptions {
  /** Milliseconds before the command is killed. @default 30000 */
  timeoutMs?: number;
  /** Data written to the command's stdin. */
  input?: string;
}

export interface CommandRunner {
  /**
   * Runs `cmd` with `args`. Resolves with the result for any exit code (the
   * caller decides what a non-zero exit means); rejects only when the command
   * cannot be started at all (e.g. ENOENT) or times out.
   */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<CommandResult>;
}

/** Thrown by the real runner when a program cannot be started (missing binary). */
export class CommandSpawnError extends Error {
  constructor(
    readonly cmd: string,
    readonly errno: string,
    message: string,
  ) {
    super(message);
    this.name = 'CommandSpawnError';
  }
}

/** The real runner: `execFile` with an argument array, no shell. */
export function createExecFileRunner(): CommandRunner {
  return {
    run(cmd, args, opts = {}) {
      return new Promise((resolve, reject) => {
        const child = execFile(
          cmd,
          [...args],
          { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8', shell: false },
          (err, stdout, stderr) => {
            if (err) {
              const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string | null };
              if (typeof e.code === 'string') {
                reject(new CommandSpawnError(cmd, e.code, `cannot run ${cmd}: ${e.code}`));
                return;
              }
              if (e.killed && typeof e.code !== 'number') {
                reject(new CommandSpawnError(cmd, 'ETIMEDOUT', `${cmd} timed out after ${opts.timeoutMs ?? 30_000} ms`));
                return;
              }
              resolve({ stdout, stderr, exitCode: typeof e.code === 'number' ? e.code : null });
              return;
            }
            resolve({ stdout, stderr, exitCode: 0 });
          },
        );
        if (opts.input !== undefined) child.stdin?.end(opts.input);
      });
    },
  };
}

/**
 * Runs every command inside network namespace `ns` via `ip netns exec`, so
 * integration tests drive the real network code against a throwaway namespace.
 */
export function createNetnsRunner(ns: string, base: CommandRunner = createExecFileRunner()): CommandRunner {
  return {
    run: (cmd, args, opts) => base.run('ip', ['netns', 'exec', ns, cmd, ...args], opts),
  };
}

export interface RecordedCommand {
  cmd: string;
  args: string[];
  /** What was written to stdin, when anything was. */
  input?: string;
}

export type ScriptedReply = Partial<CommandResult> | ((call: RecordedCommand) => Partial<CommandResult>);

/**
 * A runner for unit tests: records every command and answers from `reply`
 * (default: success with empty output).
 */
export function createRecordingRunner(reply: ScriptedReply = {}): CommandRunner & { calls: RecordedCommand[] } {
  const calls: RecordedCommand[] = [];
  return {
    calls,
    run(cmd, args, opts) {
      const call: RecordedCommand = { cmd, args: [...args], ...(opts?.input !== undefined ? { input: opts.input } : {}) };
      calls.push(call);
      const r = typeof reply === 'function' ? reply(call) : reply;
      return Promise.resolve({ stdout: r.stdout ?? '', stderr: r.stderr ?? '', exitCode: r.exitCode === undefined ? 0 : r.exitCode });
    },
  };
}

/** Formats a command for logs and error messages (display only, never executed). */
export function describeCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}
