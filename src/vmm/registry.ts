import type { BangerPorts, GuestReadyPort, LaunchPlanner, StoragePort } from '../../machines/ports.js';
import type { AgentTransport } from '../guest/index.js';
import type { Layout } from '../host/layout.js';
import type { VMRecord, VmmName } from '../model/index.js';
import type { VmmDriver } from '../model/vmm.js';
import type { Accel } from './accel.js';
import { firecrackerBackend } from './firecracker/backend.js';
import type { StoragePrivilegedOps } from './firecracker/storage.js';
import type { ImageSource } from './image-lookup.js';
import { qemuBackend } from './qemu/backend.js';
import type { QemuMachineSetting } from './qemu/machine.js';
import { standinBackend } from './standin/backend.js';
import type { StandinBehaviours } from './standin/driver.js';
import type { SnapshotSource } from './restore.js';
import type { StorageOptions } from './storage.js';

/** What the actors use of one VMM kind: process, disks, launch spec, "the guest is up". */
export interface VmmRuntime {
  driver: VmmDriver;
  storage: StoragePort;
  planner: LaunchPlanner;
  guest: GuestReadyPort;
}

/** bangerd's shared parts, from which each kind builds its runtime. */
export interface VmmDeps {
  layout: Pick<Layout, 'vmsDir' | 'runtimeDir' | 'sshDir' | 'sshKeyPath' | 'knownHostsPath'>;
  /** Config `bridge_cidr`: the guests' gateway and netmask. */
  bridgeCidr: string;
  /** Image by id (e.g. `{ get: (id) => store.images.getById(id) }`). */
  images: ImageSource;
  accel: Accel;
  /** Config `qemu_machine`. @default 'auto' */
  qemuMachine?: QemuMachineSetting;
  /** The host's TSC rate (kHz): a microvm guest under TCG is told it (qemu/machine.ts). */
  hostTscKhz?: number;
  /** Root helper, for Firecracker's device-mapper snapshots. */
  privileged?: StoragePrivilegedOps;
  /** Snapshot rows by id (forks and restores). */
  snapshots?: SnapshotSource;
  /** Config `[[file_sync]]` for new work disks. */
  fileSync?: StorageOptions['fileSync'];
  /** SSH readiness bound. @default 180000 */
  guestTimeoutMs?: number;
  /** Config `firecracker_bin`, and `jailer_bin` / `jailer_chroot_base` when the jailer is configured. */
  firecracker?: { binary?: string; jailer?: { binary: string; chrootBase: string } };
  /** Stand-in behaviour per VM name. @default every step succeeds at once */
  standinBehaviour?: StandinBehaviours;
}

/** One VMM kind, all of it in src/vmm/<kind>/. */
export interface VmmBackend {
  /** Names fixed at create: the system disk in the VM dir, the control socket in the VM's runtime dir. */
  files: { systemOverlay: string; controlSocket: string };
  /** How `vm ports` reaches the guest agent; throws when the kind has none. */
  agentTransport(vm: VMRecord): AgentTransport;
  create(deps: VmmDeps): VmmRuntime;
}

/** Every kind: a VmmName without a backend does not compile. */
export const VMM_BACKENDS: Record<VmmName, VmmBackend> = {
  qemu: qemuBackend,
  firecracker: firecrackerBackend,
  standin: standinBackend,
};

/**
 * BangerPorts' VMM half. Each kind's runtime is built on first use (a daemon
 * with only stand-in VMs never touches QEMU or Firecracker); storage, planner
 * and guest calls go to the VM row's kind. `given` replaces kinds (tests).
 */
export function createVmmPorts(deps: VmmDeps, given: Partial<Record<VmmName, VmmRuntime>> = {}): Pick<BangerPorts, 'driverFor' | 'storage' | 'planner' | 'guest'> {
  const built = { ...given };
  const of = (kind: VmmName): VmmRuntime => (built[kind] ??= VMM_BACKENDS[kind].create(deps));
  return {
    driverFor: (kind) => of(kind).driver,
    storage: {
      prepare: (vm, step) => of(vm.vmm).storage.prepare(vm, step),
      freeze: (vm, disks) => of(vm.vmm).storage.freeze(vm, disks),
      destroy: (vm) => of(vm.vmm).storage.destroy(vm),
      diskUsage: (vm) => of(vm.vmm).storage.diskUsage(vm),
    },
    planner: { launchSpec: (vm, parts) => of(vm.vmm).planner.launchSpec(vm, parts) },
    guest: { waitForGuest: (vm, opts) => of(vm.vmm).guest.waitForGuest(vm, opts) },
  };
}
