import type { GuestReadyPort, LaunchPlanner, StoragePort } from '../../../machines/index.js';
import { VmmError } from '../../errors/index.js';
import type { VMRecord, VmmName } from '../../model/index.js';

/**
 * The per-VMM half of the VM runtime: disks, the launch spec, and "the guest
 * is up". bangerd holds one entry per VMM kind; the real QEMU/Firecracker
 * entries come from src/vm-runtime, the `standin` entry from
 * ./standin-runtime.ts.
 */
export interface VmRuntimePorts {
  storage: StoragePort;
  planner: LaunchPlanner;
  guest: GuestReadyPort;
}

/** VMM kind → its runtime ports. A kind without an entry cannot create or start VMs. */
export type VmRuntimeRegistry = Partial<Record<VmmName, VmRuntimePorts>>;

/** The error for a VM whose VMM kind has no runtime in this bangerd. */
export function runtimeMissing(kind: VmmName, what: string): VmmError {
  return new VmmError(`cannot ${what}: VMM "${kind}" has no runtime in this bangerd`, {
    code: 'vmm.no_runtime',
    hint: kind === 'standin' ? 'this is a bug: the standin runtime is always registered' : `set vmm = "standin" in config.toml for tests, or use a bangerd built with the ${kind} runtime`,
  });
}

/**
 * Single StoragePort/LaunchPlanner/GuestReadyPort (what BangerPorts wants)
 * that route each call to the entry for `vm.vmm`.
 */
export function dispatchRuntime(registry: VmRuntimeRegistry): VmRuntimePorts {
  const pick = (vm: VMRecord, what: string): VmRuntimePorts => {
    const r = registry[vm.vmm];
    if (!r) throw runtimeMissing(vm.vmm, what);
    return r;
  };
  return {
    storage: {
      prepare: async (vm, opts) => pick(vm, `prepare the disks of VM ${vm.name}`).storage.prepare(vm, opts),
      // Delete must work even when the kind's runtime is gone, so a VM can always be removed.
      destroy: async (vm) => {
        const r = registry[vm.vmm];
        if (r) await r.storage.destroy(vm);
      },
      diskUsage: async (vm) => pick(vm, `measure the disks of VM ${vm.name}`).storage.diskUsage(vm),
    },
    planner: { launchSpec: (vm, parts) => pick(vm, `plan the launch of VM ${vm.name}`).planner.launchSpec(vm, parts) },
    guest: { waitForGuest: async (vm, opts) => pick(vm, `wait for the guest of VM ${vm.name}`).guest.waitForGuest(vm, opts) },
  };
}
