import type { GuestReadyPort, LaunchPlanner, StoragePort } from '../../machines/ports.js';
import type { Layout } from '../host/layout.js';
import { createSshGuestReady } from './guest-ready.js';
import type { ImageSource } from './image-lookup.js';
import { createLaunchPlanner } from './planner.js';
import { createFirecrackerStorage, createQemuStorage, type StorageOptions, type StoragePrivilegedOps } from './storage.js';

/** The VMM kinds with real guests (the daemon may add a test stand-in of its own). */
export type RealVmm = 'qemu' | 'firecracker';

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
  /** Config `[[file_sync]]` for new work disks. */
  fileSync?: StorageOptions['fileSync'];
}

/**
 * The real storage, launch planner and guest-ready ports, one set per VMM
 * kind. bangerd's composition root passes these to the actor system; a test
 * can drive them directly with a driver. Shape fits bangerd's runtime seam:
 * `runtimes: (d) => createVmRuntimePorts({ layout: d.layout, config: d.config,
 * images: { get: (id) => d.store.images.getById(id) }, privileged: d.privileged })`.
 */
export function createVmRuntimePorts(opts: VmRuntimeOptions): Record<RealVmm, VmRuntimePorts> {
  const guest = createSshGuestReady({ layout: opts.layout, timeoutMs: opts.guestTimeoutMs });
  const base = { layout: opts.layout, images: opts.images, ...(opts.fileSync ? { fileSync: opts.fileSync } : {}) };
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
