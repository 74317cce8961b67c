import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HostError } from '../errors/index.js';
import { formatSize } from '../model/index.js';

/** True when the error (or one of its causes) is the host running out of disk space. */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') return true;
    if (e instanceof Error && /No space left on device|ENOSPC/i.test(e.message)) return true;
  }
  return false;
}

/** The mount (device and mount point) that holds `path`, from /proc/self/mounts: longest matching mount point wins. */
export function mountOf(path: string, mountsText?: string): { device: string; mountPoint: string } {
  const abs = resolve(path);
  let text = mountsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/mounts', 'utf8');
    } catch {
      return { device: 'unknown', mountPoint: '/' };
    }
  }
  let best = { device: 'unknown', mountPoint: '/' };
  let bestLen = -1;
  for (const line of text.split('\n')) {
    const [device, rawMp] = line.split(' ');
    if (!device || !rawMp) continue;
    // /proc/mounts escapes spaces and the like as octal.
    const mp = rawMp.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    const inside = mp === '/' || abs === mp || abs.startsWith(`${mp}/`);
    if (inside && mp.length >= bestLen) {
      best = { device, mountPoint: mp };
      bestLen = mp.length;
    }
  }
  return best;
}

/** A HostError naming the full disk, how much is free and the fix. */
export async function diskFullError(what: string, path: string, cause: unknown): Promise<HostError> {
  const m = mountOf(path);
  const free = await statfs(path).then((s) => formatSize(s.bavail * s.bsize), () => 'unknown');
  return new HostError(`${what} failed: the disk ${m.device} (mounted at ${m.mountPoint}, holding ${path}) is full (${free} free)`, {
    code: 'host.disk_full',
    hint: `free space on ${m.mountPoint} (banger image delete / vm delete what you no longer need), or move XDG_STATE_HOME to a larger disk`,
    cause,
  });
}
