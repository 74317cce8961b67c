import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { HostError } from '../../errors/index.js';
import { withSbinDirs } from './tool-path.js';

/**
 * The one way banger runs host tools: argument arrays spawned without a
 * shell, so nothing a caller passes is ever interpreted by one. `runStatus`
 * is the spawn; `run` and `runChecked` turn a non-zero exit into a HostError;
 * CommandRunner is the seam network and helper code take, so unit tests can
 * record commands and integration tests can run them in a network namespace.
 */

export interface RunOptions {
  /** Kills the command (with killSignal) after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Sent to the child on timeout or abort. @default 'SIGTERM' */
  killSignal?: NodeJS.Signals;
  /** Written to the child's stdin, then closed. */
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep stdout as bytes only (stdout is then ''). */
  binary?: boolean;
  /** Error code and fix named when the command fails. */
  code?: string;
  hint?: string;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Process exit code; null when killed by a signal. */
  exitCode: number | null;
}

export interface RunResult extends CommandResult {
  stdoutBuffer: Buffer;
}

export interface CommandRunner {
  /**
   * Runs `cmd` with `args`. Resolves with the result for any exit code (the
   * caller decides what a non-zero exit means); rejects with a HostError only
   * when the command cannot be started, times out or is aborted.
   */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<CommandResult>;
}

/** Runs a command and resolves with its exit code and output; never rejects on a non-zero exit. */
export function runStatus(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(abortError(cmd));
      return;
    }
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      // PATH plus the sbin dirs, also when no entry point ran ensureToolPath (a library caller):
      // spawn looks the command up on this env's PATH.
      env: toolEnv(opts.env ?? process.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: opts.signal,
      killSignal: opts.killSignal,
    });
    let timedOut = false;
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill(opts.killSignal ?? 'SIGTERM');
    }, opts.timeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {
      /* the child may exit before reading all input; its exit code tells */
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.name === 'AbortError') reject(abortError(cmd));
      else if (e.code === 'ENOENT') reject(new HostError(`${cmd} is not installed`, { code: 'host.tool_missing', hint: opts.hint ?? `install the package that provides ${cmd}`, cause: e }));
      else reject(new HostError(`${cmd} failed to start: ${e.message}`, { code: opts.code ?? 'host.command_failed', hint: opts.hint, cause: e }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new HostError(`${describeCommand(cmd, args)} timed out after ${opts.timeoutMs} ms`, { code: opts.code ?? 'host.command_failed', hint: opts.hint }));
        return;
      }
      const stdoutBuffer = Buffer.concat(out);
      resolve({ exitCode: code, stdout: opts.binary ? '' : stdoutBuffer.toString('utf8'), stdoutBuffer, stderr: Buffer.concat(err).toString('utf8') });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Runs a command; rejects with a HostError naming the command and its last output line on a non-zero exit. */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return checkExit(cmd, args, await runStatus(cmd, args, opts), opts);
}

/** `run` through an injected runner. */
export async function runChecked(runner: CommandRunner, cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  return checkExit(cmd, args, await runner.run(cmd, args, opts), opts);
}

function checkExit<R extends CommandResult>(cmd: string, args: readonly string[], res: R, opts: RunOptions): R {
  if (res.exitCode === 0) return res;
  const last = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
  const detail = last(res.stderr) ?? last(res.stdout);
  throw new HostError(`${describeCommand(cmd, args, 160)} exited ${res.exitCode ?? 'by signal'}${detail ? `: ${detail}` : ''}`, {
    code: opts.code ?? 'host.command_failed',
    ...(opts.hint ? { hint: opts.hint } : {}),
  });
}

/** The real runner; commands get 30 s unless the caller says otherwise. */
export function createExecFileRunner(): CommandRunner {
  return { run: (cmd, args, opts) => runStatus(cmd, args, { timeoutMs: 30_000, ...opts }) };
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

/** Formats a command for logs and error messages (display only, never executed), cut at `max` characters. */
export function describeCommand(cmd: string, args: readonly string[], max = Infinity): string {
  const text = [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Absolute path of an executable on PATH (exactly that PATH), or undefined. */
export async function which(cmd: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = (env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter);
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** `env` with the sbin dirs appended to PATH (tool-path.ts), as host tools are spawned. */
export function toolEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: withSbinDirs(env.PATH) };
}

/** Where `run` would find cmd: PATH plus the sbin dirs. */
export function whichTool(cmd: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return which(cmd, toolEnv(env));
}

function abortError(cmd: string): HostError {
  return new HostError(`${cmd} was cancelled`, { code: 'host.aborted' });
}
