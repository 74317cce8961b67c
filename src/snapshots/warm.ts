import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileSyncEntry, Image, VMRecord } from '../model/index.js';

/**
 * What a warm snapshot must match to start a new VM: the image as it is now
 * (rebuilding it changes `updatedAt`, so older warm snapshots stop matching)
 * and everything the saved state fixes: VMM, vCPUs, memory and disk sizes,
 * plus `salt`: what else a new work disk would get (fileSyncSalt).
 */
export function warmKey(image: Pick<Image, 'id' | 'updatedAt' | 'rootfsPath' | 'kernelPath'>, vm: Pick<VMRecord, 'vmm' | 'spec'>, salt = ''): string {
  const parts = [
    'v1',
    salt,
    image.id,
    image.updatedAt,
    image.rootfsPath,
    image.kernelPath,
    vm.vmm,
    vm.spec.vcpuCount,
    vm.spec.memoryMiB,
    vm.spec.workDiskSizeBytes,
    vm.spec.systemOverlaySizeBytes,
  ];
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}

/**
 * A fingerprint of config `[[file_sync]]`: its entries and the size and mtime
 * of every host file they name (directories walked, up to 2000 entries). A
 * warm snapshot's work disk holds the files as they were, so a change makes
 * the next VM boot cold once and leave a new warm snapshot.
 */
export async function fileSyncSalt(entries: readonly FileSyncEntry[], home: string): Promise<string> {
  if (entries.length === 0) return '';
  const h = createHash('sha256');
  let budget = 2000;
  const walk = async (path: string): Promise<void> => {
    if (budget-- <= 0) return;
    const st = await lstat(path).catch(() => undefined);
    h.update(`${path}\0${st ? `${st.mode}:${st.size}:${st.mtimeMs}` : 'missing'}\0`);
    if (st?.isDirectory()) for (const name of (await readdir(path).catch(() => [] as string[])).sort()) await walk(join(path, name));
  };
  for (const e of entries) {
    h.update(`${e.host}\0${e.guest}\0${e.mode ?? ''}\0`);
    await walk(e.host.startsWith('~/') ? join(home, e.host.slice(2)) : e.host);
  }
  return h.digest('hex');
}
