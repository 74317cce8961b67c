import type { GuestReadyPort, LaunchPlanner, StoragePort } from '../../machines/ports.js';
import type { Layout } from '../host/layout.js';
import type { VmmName } from '../model/index.js';
import { createSshGuestReady } from './guest-ready.js';
import type { ImageSource } from './image-lookup.js';
import { createLaunchPlanner } from './planner.js';
import { createFirecrackerStorage, createQemuStorage, type StoragePrivilegedOps } from './storage.js';

/** The three start-step ports one VMM kind needs. */
export interface VmRuntimePorts {
  storage: StoragePort;
  planner: LaunchPlanner;
  guest: GuestReadyPort;
}

export interface VmRuntimeOptions {
  layout: Pick<Layout, 'vmsDir' | 'runtimeDir' | 'sshDir' | 'sshKeyPath' | 'knownHostsPath'>;
  /** Only `bridge_cidr` is read. */
  config: { bridge_cidr: string };
  /** Image by id (e.g. `{ get: (id) => store.images.getById(id) }`). */
  images: ImageSource;
  /** Root helper, for Firecracker's device-mapper snapshots. */
  privileged?: StoragePrivilegedOps;
  /** Overrides the device-mapper probe (/dev/mapper/control). */
  dmAvailable?: () => Promise<boolean>;
  /** SSH readiness bound. @default 180000 */
  guestTimeoutMs?: number;
  logger?: { debug(obj: object, msg?: string): void };
}

/**
 * The real storage, launch planner and guest-ready ports, one set per VMM
 * kind. bangerd's composition root passes these to the actor system; a test
 * can drive them directly with a driver.
 */
export function createVmRuntimePorts(opts: VmRuntimeOptions): Record<VmmName, VmRuntimePorts> {
  const guest = createSshGuestReady({ layout: opts.layout, timeoutMs: opts.guestTimeoutMs });
  const base = { layout: opts.layout, images: opts.images };
  return {
    qemu: {
      storage: createQemuStorage(base),
      planner: createLaunchPlanner({ vmm: 'qemu', images: opts.images, bridgeCidr: opts.config.bridge_cidr }),
      guest,
    },
    firecracker: {
      storage: createFirecrackerStorage({ ...base, privileged: opts.privileged, dmAvailable: opts.dmAvailable }),
      planner: createLaunchPlanner({ vmm: 'firecracker', images: opts.images, bridgeCidr: opts.config.bridge_cidr }),
      guest,
    },
  };
}

/** One set of ports that routes each call by the VM row's `vmm` (fits BangerPorts' single storage/planner/guest). */
export function dispatchByVmm(byVmm: Record<VmmName, VmRuntimePorts>): VmRuntimePorts {
  return {
    storage: {
      prepare: (vm, o) => byVmm[vm.vmm].storage.prepare(vm, o),
      destroy: (vm) => byVmm[vm.vmm].storage.destroy(vm),
      diskUsage: (vm) => byVmm[vm.vmm].storage.diskUsage(vm),
    },
    planner: { launchSpec: (vm, parts) => byVmm[vm.vmm].planner.launchSpec(vm, parts) },
    guest: { waitForGuest: (vm, o) => byVmm[vm.vmm].guest.waitForGuest(vm, o) },
  };
}
