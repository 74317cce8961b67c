import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/**
 * Process facts from /proc, for the VMMs bangerd starts: a pid names a
 * process only together with its start time (a pid is reused once the
 * process exits), so every lookup returns both and every check and signal
 * compares them when it has one. Zombies count as dead.
 */

const TICKS_PER_SEC = 100; // USER_HZ is 100 on every Linux ABI banger targets.
const PAGE_SIZE = 4096;

export interface ProcStat {
  state: string;
  utimeTicks: number;
  stimeTicks: number;
  /** Clock ticks since boot (field 22). */
  startTime: number;
  rssPages: number;
}

/** Parses /proc/PID/stat; comm (field 2) may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  if (close === -1) return null;
  const rest = text.slice(close + 2).split(' ');
  const f = (n: number): number => Number(rest[n - 3]);
  const stat = { state: rest[0] ?? '', utimeTicks: f(14), stimeTicks: f(15), startTime: f(22), rssPages: f(24) };
  return stat.state && Number.isFinite(stat.utimeTicks) && Number.isFinite(stat.startTime) ? stat : null;
}

/** /proc/PID/stat of a live, non-zombie process, else null. */
export function readProcStat(pid: number): ProcStat | null {
  let stat: ProcStat | null;
  try {
    stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
  return stat && stat.state !== 'Z' && stat.state !== 'X' ? stat : null;
}

/** Start time (clock ticks since boot) of a live process, else null. */
export function processStartTime(pid: number): number | null {
  return readProcStat(pid)?.startTime ?? null;
}

/** Alive, not a zombie, and (when given) the same process that was started. */
export async function isProcessAlive(pid: number, startTime?: number): Promise<boolean> {
  const start = processStartTime(pid);
  return start !== null && (startTime === undefined || start === startTime);
}

export function readCmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s.length > 0);
  } catch {
    return null;
  }
}

/**
 * Live processes whose command line mentions `needle` (e.g. a VMM's socket
 * path), with their start times. `exe`, when given, must appear in argv[0] or
 * argv[1] (an interpreter running a script named after the VMM).
 */
export async function findProcesses(needle: string, exe?: string): Promise<{ pid: number; startTime: number }[]> {
  const found: { pid: number; startTime: number }[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (exe && !(args[0] ?? '').includes(exe) && !(args[1] ?? '').includes(exe)) continue;
    if (!args.some((a) => a.includes(needle))) continue;
    const startTime = processStartTime(Number(entry));
    if (startTime !== null) found.push({ pid: Number(entry), startTime });
  }
  return found;
}

/** Resolves true once the process is gone, false when timeoutMs passes first (or the signal fires). */
export async function waitForExit(pid: number, startTime: number | undefined, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isProcessAlive(pid, startTime))) return true;
    if (Date.now() >= deadline || signal?.aborted) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends a signal if the process is ours and alive; ignores ESRCH. */
export async function signalProcess(pid: number, startTime: number | undefined, sig: NodeJS.Signals): Promise<boolean> {
  if (!(await isProcessAlive(pid, startTime))) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export interface ProcessMetrics {
  /** User + system CPU time in ms. */
  cpuTimeMs: number;
  rssBytes: number;
}

export async function processMetrics(pid: number): Promise<ProcessMetrics | undefined> {
  const st = readProcStat(pid);
  return st ? { cpuTimeMs: ((st.utimeTicks + st.stimeTicks) * 1000) / TICKS_PER_SEC, rssBytes: st.rssPages * PAGE_SIZE } : undefined;
}

/**
 * The shared shape of a VMM stop: ask the guest to power down (`request`),
 * wait up to `timeoutMs` for the process to exit, else `kill`. A request that
 * fails (API gone, VMM wedged) goes straight to the kill.
 */
export async function stopThenKill(
  h: { pid: number; pidStartTime?: number },
  opts: { request: () => Promise<void>; timeoutMs: number; signal?: AbortSignal; cleanup: () => Promise<void>; kill: () => Promise<void> },
): Promise<'graceful' | 'killed'> {
  try {
    await opts.request();
    if (await waitForExit(h.pid, h.pidStartTime, opts.timeoutMs, opts.signal)) {
      await opts.cleanup();
      return 'graceful';
    }
  } catch {
    // API unreachable or refused: the kill below is the answer.
  }
  await opts.kill();
  return 'killed';
}
