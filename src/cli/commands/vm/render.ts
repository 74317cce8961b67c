import { formatSize } from '../../../model/index.js';
import type { VMRecord } from '../../../model/index.js';

/** "2 vcpu · 2048 MiB · 8G disk" (DESIGN §7's spec line). */
export function specLine(vm: Pick<VMRecord, 'spec'>): string {
  return `${vm.spec.vcpuCount} vcpu · ${vm.spec.memoryMiB} MiB · ${formatSize(vm.spec.workDiskSizeBytes)} disk`;
}
