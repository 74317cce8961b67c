import { randomUUID } from 'node:crypto';
import { HostError } from '../errors/index.js';
import type { SnapshotRecord, VMRecord } from '../model/index.js';
import type { VmmLaunchSpec } from '../model/vmm.js';

export interface SnapshotSource {
  get(id: string): SnapshotRecord | undefined;
}

/**
 * The launch spec's snapshot half: a new generation ID for every launch, and
 * for a VM whose next start resumes a memory snapshot, the state to load.
 * A disk-only snapshot boots the kernel on its layered disks.
 */
export function restoreFields(vm: VMRecord, snapshots: SnapshotSource | undefined): Pick<VmmLaunchSpec, 'vmGenId' | 'restore'> {
  const fields: Pick<VmmLaunchSpec, 'vmGenId' | 'restore'> = { vmGenId: randomUUID() };
  const id = vm.runtime.restoreFrom;
  if (!id) return fields;
  const snap = snapshots?.get(id);
  if (!snap) {
    throw new HostError(`VM ${vm.name} is to start from snapshot ${id}, which no longer exists`, { code: 'snapshot.missing', hint: `delete the VM (banger vm delete ${vm.name})` });
  }
  if (snap.kind !== 'memory' || !snap.files.state) return fields;
  if (snap.spec.memoryMiB !== vm.spec.memoryMiB || snap.spec.vcpuCount !== vm.spec.vcpuCount) {
    throw new HostError(`VM ${vm.name} has ${vm.spec.vcpuCount} vCPU / ${vm.spec.memoryMiB} MiB but snapshot ${snap.name} was taken with ${snap.spec.vcpuCount} / ${snap.spec.memoryMiB}`, {
      code: 'snapshot.size_mismatch',
      hint: `a saved state needs the sizing it was taken with: banger vm set ${vm.name} --vcpu ${snap.spec.vcpuCount} --memory ${snap.spec.memoryMiB}`,
    });
  }
  // Unplugged until the agent has given it this VM's address (ssh-guest-ready plugs it): a fork wakes with the original's.
  fields.restore = { statePath: snap.files.state, isolated: true, ...(snap.files.memory ? { memoryPath: snap.files.memory } : {}) };
  return fields;
}
