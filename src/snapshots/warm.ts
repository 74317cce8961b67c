import { createHash } from 'node:crypto';
import type { Image, VMRecord } from '../model/index.js';

/**
 * What a warm snapshot must match to start a new VM: the image as it is now
 * (rebuilding it changes `updatedAt`, so older warm snapshots stop matching)
 * and everything the saved state fixes: VMM, vCPUs, memory and disk sizes.
 */
export function warmKey(image: Pick<Image, 'id' | 'updatedAt' | 'rootfsPath' | 'kernelPath'>, vm: Pick<VMRecord, 'vmm' | 'spec'>): string {
  const parts = [
    'v1',
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
