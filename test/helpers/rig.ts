import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTempRoot, type TempRoot } from './temp-root.js';

// Compiled benches run from .bench-dist/test/helpers: the repo is one level further up.
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\.bench-dist\/$/, '');
export const CLI_MAIN = `${REPO_ROOT}dist/src/cli/main.js`;
export const DAEMON_MAIN = `${REPO_ROOT}dist/src/daemon/main.js`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Test rig for the built CLI (Gemini's TestRig idea): isolated XDG dirs, a
 * `cli()` that runs `node dist/src/cli/main.js`, and `cleanup()` that stops any
 * daemon the test started (by the pid in its lock file) and removes the root.
 * Call cleanup in afterEach so a failing test leaks nothing.
 */
export class CliRig {
  readonly temp: TempRoot;
  private readonly pids = new Set<number>();

  constructor() {
    if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing; run npm run build first (npm test does)`);
    this.temp = createTempRoot();
  }

  get layout() {
    return this.temp.layout;
  }

  cli(args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI_MAIN, ...args],
        { env: { ...this.temp.env, ...opts.env }, timeout: opts.timeoutMs ?? 20_000 },
        (err, stdout, stderr) => {
          this.rememberDaemon();
          const code = err ? (typeof err.code === 'number' ? err.code : 124) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** The pid in the lock file, when there is one. */
  daemonPid(): number | undefined {
    try {
      const n = Number.parseInt(readFileSync(this.layout.daemonLock, 'utf8'), 10);
      return Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }

  daemonLog(): string {
    try {
      return readFileSync(this.layout.daemonLog, 'utf8');
    } catch {
      return '';
    }
  }

  /** Kills every daemon this rig saw (SIGKILL: cleanup must not hang), then removes the temp root. */
  async cleanup(): Promise<void> {
    this.rememberDaemon();
    for (const pid of processesUnder(this.temp.root)) this.pids.add(pid);
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const pid of this.pids) await waitGone(pid, 5000);
    this.temp.remove();
  }

  private rememberDaemon(): void {
    const pid = this.daemonPid();
    if (pid !== undefined) this.pids.add(pid);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `pid` is gone or `timeoutMs` passes; resolves to whether it is gone. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !isAlive(pid);
}

/** Polls `check` until it is true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

/**
 * Pids of processes whose environment points into `root` (any daemon a test
 * started there, even one that lost a race and is not in the lock file).
 */
export function processesUnder(root: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`XDG_RUNTIME_DIR=${root}/`)) found.push(Number(entry));
    } catch {
      // exited, or not ours to read
    }
  }
  return found;
}

/** VMM processes (QEMU, Firecracker) whose command line names a path under `root`: the ones a rig started. */
export function vmmPidsUnder(root: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.includes(root) && /qemu|firecracker/.test(cmd)) found.push(Number(e));
    } catch {
      // exited
    }
  }
  return found;
}
