import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { run } from '../exec/index.js';
import { copyTreeIntoExt4, growExt4, makeExt4 } from './ext4.js';

/**
 * The VM's own ext4 work disk, mounted at /root in the guest. Seeded from the
 * image's work seed (which carries .ssh/authorized_keys and dotfiles), then
 * grown to the requested size; growable later while the VM is stopped.
 */

export interface CreateWorkDiskOptions {
  path: string;
  sizeBytes: number;
  /** The image's work-seed ext4 file; without it an empty ext4 is made. */
  seedPath?: string;
  /** A staged tree (config file_sync) copied onto a newly made disk; an existing disk is left as it is. */
  populateFrom?: string;
  signal?: AbortSignal;
}

/** Creates the work disk. Idempotent: an existing disk is kept (it is user data) and only grown if smaller. */
export async function createWorkDisk(opts: CreateWorkDiskOptions): Promise<void> {
  const existing = await stat(opts.path).catch(() => undefined);
  if (existing) {
    if (existing.size < opts.sizeBytes) await growExt4(opts.path, opts.sizeBytes, opts.signal);
    return;
  }
  await mkdir(dirname(opts.path), { recursive: true });
  const tmp = `${opts.path}.tmp-${process.pid}`;
  try {
    if (opts.seedPath) {
      await access(opts.seedPath);
      await run('cp', ['--sparse=always', '--reflink=auto', opts.seedPath, tmp], { signal: opts.signal });
      const seedSize = (await stat(tmp)).size;
      if (opts.sizeBytes > seedSize) await growExt4(tmp, opts.sizeBytes, opts.signal);
    } else {
      await makeExt4({ path: tmp, sizeBytes: opts.sizeBytes, label: 'banger-work', signal: opts.signal });
    }
    if (opts.populateFrom) await copyTreeIntoExt4(tmp, opts.populateFrom, opts.signal);
    await rename(tmp, opts.path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Grows the work disk offline (the VM must be stopped). Refuses to shrink. */
export async function growWorkDisk(path: string, sizeBytes: number, signal?: AbortSignal): Promise<void> {
  await growExt4(path, sizeBytes, signal);
}

/** Removes the work disk. Idempotent. */
export async function removeWorkDisk(path: string): Promise<void> {
  await rm(path, { force: true });
}
