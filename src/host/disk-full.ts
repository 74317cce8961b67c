import { readFileSync, statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { HostError } from '../errors/index.js';
import { formatSize } from '../model/index.js';

/**
 * True when the error (or one of its causes) is the host running out of disk
 * space or quota. mkfs.ext4 and other tools report it in their output rather
 * than as an errno, so the message counts too.
 */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
    if (e instanceof Error && /No space left on device|Disk quota exceeded|ENOSPC/i.test(e.message)) return true;
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

/**
 * Turns an out-of-space failure into a HostError naming the disk that holds
 * `dirs`, how much is free and how to make room; undefined for any other error
 * so callers rethrow it unchanged. Node's own message ("ENOSPC: no space left
 * on device, write") names neither the disk nor a fix.
 */
export function diskFullError(err: unknown, dirs: readonly string[], doing: string): HostError | undefined {
  if (!isDiskFull(err)) return undefined;
  const dir = dirs[0] ?? '.';
  const m = mountOf(dir);
  let free = 'unknown';
  try {
    const s = statfsSync(dir);
    free = formatSize(s.bavail * s.bsize);
  } catch {
    // the dir may not exist yet; the mount still names the disk
  }
  return new HostError(`${doing} failed: the disk ${m.device} (mounted at ${m.mountPoint}, holding ${dirs.join(' and ')}) is full (${free} free)`, {
    code: 'host.disk_full',
    hint: `free space on ${m.mountPoint} (df -h ${dir}; banger image delete / vm delete what you no longer need), or point XDG_STATE_HOME / XDG_CACHE_HOME at a bigger disk`,
    cause: err,
  });
}
