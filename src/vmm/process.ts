import { readdir, readFile } from 'node:fs/promises';

/**
 * Process facts from /proc: start time (to tell our VMM from a reused pid),
 * liveness that treats zombies as dead, waiting for exit, finding a VMM by
 * its control socket, CPU and memory use.
 */

export interface ProcStat {
  state: string;
  utimeTicks: number;
  stimeTicks: number;
  /** Clock ticks since boot (field 22). */
  startTime: number;
  rssPages: number;
}

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parens: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const f = (n: number): number => Number(rest[n - 3]);
  return { state: rest[0] ?? '?', utimeTicks: f(14), stimeTicks: f(15), startTime: f(22), rssPages: f(24) };
}

/** Alive, not a zombie, and (when given) the same process that was started. */
export async function isProcessAlive(pid: number, startTime?: number): Promise<boolean> {
  const st = await readProcStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
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

/** Finds the pid of a process whose command line mentions `needle` (e.g. the VMM socket path). */
export async function findPidByCmdline(needle: string, exeHint?: string): Promise<number | undefined> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let cmd: string;
    try {
      cmd = await readFile(`/proc/${e}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const args = cmd.split('\0');
    // args[1] covers interpreters running a script named after the VMM.
    if (exeHint && !(args[0] ?? '').includes(exeHint) && !(args[1] ?? '').includes(exeHint)) continue;
    if (args.some((a) => a.includes(needle))) {
      const pid = Number(e);
      if (await isProcessAlive(pid)) return pid;
    }
  }
  return undefined;
}

export interface ProcessMetrics {
  /** User + system CPU time in ms. */
  cpuTimeMs: number;
  rssBytes: number;
}

const TICKS_PER_SEC = 100; // USER_HZ is 100 on every Linux ABI banger targets.
const PAGE_SIZE = 4096;

export async function processMetrics(pid: number): Promise<ProcessMetrics | undefined> {
  const st = await readProcStat(pid);
  if (!st) return undefined;
  return { cpuTimeMs: ((st.utimeTicks + st.stimeTicks) * 1000) / TICKS_PER_SEC, rssBytes: st.rssPages * PAGE_SIZE };
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
