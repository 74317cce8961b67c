import type { StoragePort } from '../../../machines/ports.js';
import { createOverlay, diskFormat } from '../../host/storage/index.js';
import { createDiskStorage, type StorageOptions } from '../storage.js';

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
