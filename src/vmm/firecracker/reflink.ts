import { constants } from 'node:fs';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VmmError } from '../../errors/index.js';

/**
 * Freezes a raw disk by a reflink clone (FICLONE): instant and sharing every
 * block, so the running VM can go on writing the original. Firecracker disks
 * are plain files with no backing chains, so this is the only way to freeze
 * one without a full copy.
 */

/** Clones src to dst; dst must not exist (a frozen disk is never overwritten). */
export type CloneFile = (src: string, dst: string) => Promise<void>;

/** errno codes meaning "this filesystem (pair) cannot reflink", as opposed to a missing file or a full disk. */
const NO_REFLINK = new Set(['EOPNOTSUPP', 'ENOTSUP', 'EXDEV', 'ENOSYS']);

export const reflinkFile: CloneFile = async (src, dst) => {
  // FORCE: never fall back to a byte copy, which would stall a paused guest for as long as the disk takes to copy.
  await copyFile(src, dst, constants.COPYFILE_FICLONE_FORCE | constants.COPYFILE_EXCL);
};

/** Clones with `clone` and turns its failure into a VmmError; the "no reflinks" case says which directory needs them. */
export async function freezeDisk(clone: CloneFile, src: string, dst: string): Promise<void> {
  try {
    await clone(src, dst);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (NO_REFLINK.has(code)) {
      const where = code === 'EXDEV' ? `${dirname(dst)} and ${dirname(src)} are on different filesystems` : `${dirname(dst)} is on a filesystem without them`;
      throw new VmmError(`cannot freeze ${src}: the filesystem cannot reflink it to ${dst} (${code})`, {
        cause: e,
        code: 'vmm.snapshot_unsupported',
        hint: `disk snapshots on the Firecracker path need banger's state directory on a filesystem with reflinks (XFS or btrfs); ${where}`,
      });
    }
    throw new VmmError(`cannot freeze ${src} to ${dst}: ${(e as Error).message}`, {
      cause: e,
      code: 'vmm.snapshot_failed',
      hint: code === 'ENOSPC' ? `free space where ${dirname(dst)} is` : `check that ${src} exists and ${dirname(dst)} is writable`,
    });
  }
}

/** Whether `dir`'s filesystem can reflink (a one-byte probe file, removed again). */
export async function canReflink(dir: string): Promise<boolean> {
  const a = join(dir, `.banger-reflink-probe-${process.pid}`);
  const b = `${a}.clone`;
  try {
    await writeFile(a, 'x');
    await reflinkFile(a, b);
    return true;
  } catch {
    return false;
  } finally {
    await rm(a, { force: true });
    await rm(b, { force: true });
  }
}
