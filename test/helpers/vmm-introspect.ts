import { findProcesses } from '../../src/host/proc/index.js';

/** Pid of the live VMM serving this control socket, if any (tests check launch and stop against /proc). */
export async function findVmmPid(kind: 'qemu' | 'firecracker', apiSockPath: string): Promise<number | undefined> {
  const [p] = await findProcesses(kind === 'qemu' ? `unix:${apiSockPath},` : apiSockPath, kind);
  return p?.pid;
}

/** Flattens Firecracker's metrics JSON (last line of the file) to "group.key" → number. */
export function flattenMetrics(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return out;
  }
  const walk = (v: unknown, prefix: string): void => {
    if (typeof v === 'number') out[prefix] = v;
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k);
  };
  walk(parsed, '');
  return out;
}
