import { open } from 'node:fs/promises';
import type { StoragePort } from '../../../machines/ports.js';
import { createOverlay } from '../../host/storage/index.js';
import { createDiskStorage, type StorageOptions } from '../storage.js';

const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

/** The overlay's real format, read from its header (an existing overlay may predate a qemu-img install). */
async function diskFormat(path: string): Promise<'qcow2' | 'raw'> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    await fh.read(buf, 0, 4, 0);
    return buf.equals(QCOW2_MAGIC) ? 'qcow2' : 'raw';
  } finally {
    await fh.close();
  }
}

/** QEMU: a qcow2 overlay over the image rootfs (O(1), reads nothing; a sparse copy only when qemu-img is missing). */
export function createQemuStorage(opts: StorageOptions): StoragePort {
  return createDiskStorage(opts, async (vm, image, { signal }) => {
    const overlay = await createOverlay({
      backingPath: image.rootfsPath,
      overlayPath: vm.runtime.systemOverlayPath,
      sizeBytes: vm.spec.systemOverlaySizeBytes,
      kind: 'qcow2',
      signal,
    });
    return { path: overlay.path, format: await diskFormat(overlay.path) };
  });
}
