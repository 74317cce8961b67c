import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { HostError } from '../../errors/index.js';
import { withSbinDirs } from '../exec/tool-path.js';

/**
 * Runs host tools with argument arrays (never a shell string), wires an
 * AbortSignal into the child, and turns failures into one-line HostErrors
 * carrying the tool's last stderr line.
 */

export interface RunOptions {
  signal?: AbortSignal;
  /** Bytes written to the child's stdin, then closed. */
  input?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Fix named in the error when the command fails. */
  hint?: string;
  /** Keep stdout as a Buffer (binary output). */
  binary?: boolean;
  /** Sent to the child when `signal` aborts. @default 'SIGTERM' */
  killSignal?: NodeJS.Signals;
}

export interface RunResult {
  code: number;
  stdout: string;
  stdoutBuffer: Buffer;
  stderr: string;
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
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {
      /* the child may exit before reading all input; its exit code tells */
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') reject(abortError(cmd));
      else if (e.code === 'ENOENT') reject(new HostError(`${cmd} is not installed`, { hint: opts.hint ?? `install the package that provides ${cmd}`, cause: e }));
      else reject(new HostError(`${cmd} failed to start: ${e.message}`, { hint: opts.hint, cause: e }));
    });
    child.on('close', (code, sig) => {
      const stdoutBuffer = Buffer.concat(out);
      resolve({
        code: code ?? (sig ? 128 : 1),
        stdout: opts.binary ? '' : stdoutBuffer.toString('utf8'),
        stdoutBuffer,
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Runs a command; rejects with a HostError naming the command and its last stderr line on a non-zero exit. */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const res = await runStatus(cmd, args, opts);
  if (res.code !== 0) {
    const line = lastLine(res.stderr) || lastLine(res.stdout) || `exit code ${res.code}`;
    throw new HostError(`${cmd} ${args[0] ?? ''} failed: ${line}`.replace(/\s+/g, ' ').trim(), {
      hint: opts.hint,
      code: 'host.command_failed',
    });
  }
  return res;
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

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

function abortError(cmd: string): HostError {
  return new HostError(`${cmd} was cancelled`, { code: 'host.aborted' });
}

/** `env` with the sbin dirs appended to PATH (src/host/exec/tool-path.ts), as host tools are spawned. */
export function toolEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: withSbinDirs(env.PATH) };
}

/** Where `run` would find cmd: PATH plus the sbin dirs. */
export function whichTool(cmd: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return which(cmd, toolEnv(env));
}
