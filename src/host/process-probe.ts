/**
 * Unprivileged host facts from /proc and /sys: process start times (to tell
 * our VMM from a reused pid), finding a VMM by its socket path, CPU and RSS
 * samples, and the tap devices that exist.
 */
import { readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) is 100 on every Linux we target
const PAGE_SIZE = 4096;

export interface ProcStat {
  state: string;
  utimeTicks: number;
  stimeTicks: number;
  startTime: number;
}

/** Parses /proc/PID/stat; the comm field may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  if (close === -1) return null;
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); field N is f[N - 3].
  const state = f[0];
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const start = Number(f[19]);
  if (!state || !Number.isFinite(utime) || !Number.isFinite(start)) return null;
  return { state, utimeTicks: utime, stimeTicks: stime, startTime: start };
}

export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Start time (clock ticks since boot) of a live, non-zombie process, else null. */
export function processStartTime(pid: number): number | null {
  const st = readProcStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return null;
  return st.startTime;
}

export function readCmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s.length > 0);
  } catch {
    return null;
  }
}

export async function findPidsByArg(needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(needle) && processStartTime(pid) !== null) out.push(pid);
    } catch {
      // raced with exit
    }
  }
  return out;
}

export async function sampleProcess(pid: number): Promise<{ cpuMs: number; rssBytes: number } | null> {
  const st = readProcStat(pid);
  if (!st || st.state === 'Z') return null;
  try {
    const statm = (await readFile(`/proc/${pid}/statm`, 'utf8')).split(' ');
    return { cpuMs: ((st.utimeTicks + st.stimeTicks) * 1000) / CLK_TCK, rssBytes: Number(statm[1]) * PAGE_SIZE };
  } catch {
    return null;
  }
}
