import { stat, truncate, open, rm } from 'node:fs/promises';
import { HostError } from '../../errors/index.js';
import { run, runStatus } from '../proc/index.js';

/** ext4 image helpers built on e2fsprogs (mkfs.ext4 -d, e2fsck, resize2fs). */

const E2FS_HINT = 'install e2fsprogs (apt-get install e2fsprogs)';

export interface MakeExt4Options {
  /** Image file to create (replaced if it exists). */
  path: string;
  sizeBytes: number;
  /** Populate from this directory; ownership and modes are copied as they are on the host. */
  fromDir?: string;
  label?: string;
  signal?: AbortSignal;
}

/** Creates a sparse ext4 image file, optionally populated from a directory. Removes the file on failure. */
export async function makeExt4(opts: MakeExt4Options): Promise<void> {
  await rm(opts.path, { force: true });
  try {
    const fh = await open(opts.path, 'w', 0o644);
    await fh.close();
    await truncate(opts.path, opts.sizeBytes);
    const args = ['-q', '-F', '-t', 'ext4', '-E', 'lazy_itable_init=1,lazy_journal_init=1', '-m', '0'];
    if (opts.label) args.push('-L', opts.label);
    if (opts.fromDir) args.push('-d', opts.fromDir);
    args.push(opts.path);
    await run('mkfs.ext4', args, { signal: opts.signal, hint: E2FS_HINT });
  } catch (e) {
    await rm(opts.path, { force: true });
    throw e;
  }
}

/** Forces a full check, fixing what it can; fails if the filesystem stays inconsistent. */
export async function checkExt4(path: string, signal?: AbortSignal): Promise<void> {
  const res = await runStatus('e2fsck', ['-f', '-y', path], { signal, hint: E2FS_HINT });
  // 0 = clean, 1 = errors corrected; anything else means it is not safe to use.
  if (res.code > 1) {
    throw new HostError(`e2fsck found errors it could not fix in ${path}`, {
      hint: 'the disk is damaged; recreate it or repair it by hand with e2fsck',
      code: 'storage.fsck_failed',
    });
  }
}

/** Grows an ext4 image file offline to sizeBytes. Shrinking is refused. */
export async function growExt4(path: string, sizeBytes: number, signal?: AbortSignal): Promise<void> {
  const cur = (await stat(path)).size;
  if (sizeBytes < cur) {
    throw new HostError(`cannot shrink ${path} from ${cur} to ${sizeBytes} bytes`, {
      hint: 'choose a size at least as large as the current disk',
      code: 'storage.shrink_refused',
    });
  }
  if (sizeBytes === cur) return;
  await checkExt4(path, signal);
  await truncate(path, sizeBytes);
  await run('resize2fs', [path], { signal, hint: E2FS_HINT });
}

/** Bytes the image file really occupies on the host (sparse-aware). */
export async function allocatedBytes(path: string): Promise<number> {
  const st = await stat(path);
  return st.blocks * 512;
}
