import { HostError } from '../errors/index.js';

/**
 * Turns an out-of-space failure (ENOSPC, EDQUOT) into a HostError that names
 * the directories being written and how to make room; returns undefined for
 * any other error so callers rethrow it unchanged. Node's own message
 * ("ENOSPC: no space left on device, write") names neither the disk nor a fix.
 */
export function diskFullError(err: unknown, dirs: readonly string[], doing: string): HostError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const text = err instanceof Error ? err.message : String(err);
  // mkfs.ext4 and other tools report it in their output rather than as an errno.
  if (code !== 'ENOSPC' && code !== 'EDQUOT' && !/No space left on device|Disk quota exceeded/i.test(text)) return undefined;
  const where = dirs.join(' and ');
  return new HostError(`no space left on the disk holding ${where} while ${doing}`, {
    code: 'host.disk_full',
    hint: `free space there (df -h ${dirs[0] ?? '.'}), or point XDG_STATE_HOME / XDG_CACHE_HOME at a bigger disk`,
    cause: err,
  });
}
