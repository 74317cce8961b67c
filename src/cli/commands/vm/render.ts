import { formatMiB, formatSize } from '../../../model/index.js';
import type { SnapshotRecord, VMRecord } from '../../../model/index.js';

/** "2 vcpu · 2G memory · 8G disk" (DESIGN §7's spec line); sizes as the size grammar writes them (docs/cli/sizes.md). */
export function specLine(vm: Pick<VMRecord, 'spec'>): string {
  return `${vm.spec.vcpuCount} vcpu · ${formatMiB(vm.spec.memoryMiB)} memory · ${formatSize(vm.spec.workDiskSizeBytes)} disk`;
}

const START_PATHS: Record<NonNullable<VMRecord['runtime']['startPath']>, string> = {
  cold: 'cold boot',
  warm: 'started warm (from image snapshot)',
  restore: 'restored from snapshot',
};

/**
 * How a VM that is up got there ("cold boot", "started warm (from image
 * snapshot)", "restored from snapshot"); undefined when it is not running or
 * paused, or the daemon does not say.
 */
export function startPathText(vm: Pick<VMRecord, 'state' | 'runtime'>): string | undefined {
  const path = vm.runtime.startPath;
  if (path === undefined || (vm.state !== 'running' && vm.state !== 'paused')) return undefined;
  return START_PATHS[path];
}

/** `vm create` and `vm fork`: "dev running · 2 vcpu · … · 172.16.0.2 · cold boot" and the next thing to do. */
export function renderNewVm(vm: VMRecord): string {
  const how = startPathText(vm);
  const next = vm.state === 'running' ? `ssh in: banger vm ssh ${vm.name}` : `start it: banger vm start ${vm.name}`;
  return `${vm.name} ${vm.state} · ${specLine(vm)} · ${vm.runtime.guestIP}${how ? ` · ${how}` : ''}\n${next}`;
}

/** "memory + disks, 101M, guest paused 240 ms" or "disks only, 12M". */
export function snapshotSummary(s: Pick<SnapshotRecord, 'kind' | 'sizeBytes' | 'pausedMs'>): string {
  const parts = [s.kind === 'memory' ? 'memory + disks' : 'disks only', formatSize(s.sizeBytes)];
  if (s.pausedMs !== null) parts.push(`guest paused ${Math.round(s.pausedMs)} ms`);
  return parts.join(', ');
}
