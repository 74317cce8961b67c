import { lstat, open, readdir, readlink, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HostError } from '../../errors/index.js';
import { run, runStatus } from '../exec/index.js';
import { runUnderFakeroot } from './fakeroot.js';
import { ownershipForCaller, type OwnershipSink } from './ownership.js';

/** ext4 image helpers built on e2fsprogs (mkfs.ext4 -d, e2fsck, resize2fs). */

const E2FS_HINT = 'install e2fsprogs (apt-get install e2fsprogs)';

export interface MakeExt4Options {
  /** Image file to create (replaced if it exists). */
  path: string;
  sizeBytes: number;
  /** Populate from this directory, with the owners and modes `ownership` says. */
  fromDir?: string;
  /**
   * Where fromDir's ownership is: on the host files (root), or recorded and
   * applied with fakeroot. @default ownershipForCaller(): as an ordinary
   * user, the files the user staged become root's inside the image.
   */
  ownership?: OwnershipSink;
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
    const ownership = opts.fromDir ? (opts.ownership ?? ownershipForCaller()) : undefined;
    if (opts.fromDir && ownership?.kind === 'recorded') {
      const entries = await ownership.fakerootEntries(opts.fromDir);
      await runUnderFakeroot('mkfs.ext4', args, { entries, workDir: dirname(opts.path), signal: opts.signal, hint: E2FS_HINT });
    } else {
      await run('mkfs.ext4', args, { signal: opts.signal, hint: E2FS_HINT });
    }
  } catch (e) {
    await rm(opts.path, { force: true });
    throw e;
  }
}

/** Forces a full check, fixing what it can; fails if the filesystem stays inconsistent. */
export async function checkExt4(path: string, signal?: AbortSignal): Promise<void> {
  const res = await runStatus('e2fsck', ['-f', '-y', path], { signal, hint: E2FS_HINT });
  // 0 = clean, 1 = errors corrected; anything else means it is not safe to use.
  if (res.exitCode !== 0 && res.exitCode !== 1) {
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

/** Allocated bytes of the files directly in `dir` (0 for a missing dir or an unreadable file). */
export async function dirAllocatedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir).catch(() => [] as string[])) total += await allocatedBytes(join(dir, f)).catch(() => 0);
  return total;
}

/**
 * Copies a directory tree into the root of an existing (unmounted) ext4 image
 * with debugfs, so nothing is mounted and no privilege is needed. Entries are
 * owned by root in the image; modes are the staged files' own. Existing files
 * of the same name are replaced.
 */
export async function copyTreeIntoExt4(imagePath: string, dir: string, signal?: AbortSignal): Promise<number> {
  const script: string[] = [];
  let count = 0;
  const q = (s: string): string => {
    // debugfs' parser takes double-quoted words but has no escape for quotes or newlines.
    if (/["\n\r]/.test(s)) throw new HostError(`cannot copy ${JSON.stringify(s)} onto the work disk: the name has a quote or newline`, { code: 'storage.bad_name', hint: 'rename the file' });
    return `"${s}"`;
  };
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = join(dir, r);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        script.push(`mkdir ${q(r)}`);
        await walk(r);
      } else if (st.isSymbolicLink()) {
        script.push(`rm ${q(r)}`, `symlink ${q(r)} ${q(await readlink(abs))}`);
      } else if (st.isFile()) {
        script.push(`rm ${q(r)}`, `write ${q(abs)} ${q(r)}`);
      } else continue;
      // write/mkdir copy the host mode; ownership becomes root's, like the rest of /root.
      script.push(`sif ${q(r)} uid 0`, `sif ${q(r)} gid 0`, `sif ${q(r)} mode 0${(st.mode & 0o177777).toString(8)}`);
      count++;
    }
  };
  await walk('');
  if (count === 0) return 0;
  const cmdFile = `${imagePath}.debugfs-${process.pid}`;
  await writeFile(cmdFile, `${script.join('\n')}\n`, { mode: 0o600 });
  try {
    await run('debugfs', ['-w', '-f', cmdFile, imagePath], { signal, hint: E2FS_HINT });
  } finally {
    await rm(cmdFile, { force: true });
  }
  return count;
}
