import type { ImageSource, VmmName } from '../model/index.js';
import type { KvmGroupReport } from './kvm-group.js';
import type { SetupProblem } from '../vmm/firecracker/setup-check.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable id, e.g. "accelerator". */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn/fail. */
  fix?: string;
  /** Machine-readable facts behind the verdict (shown with --json). */
  facts?: Record<string, unknown>;
}

export interface AcceleratorReport {
  /** What the VMs will use. */
  decision: 'kvm' | 'tcg';
  /** What /dev/kvm is: a usable KVM, the kvm_pvm module (stock guest kernels hang), or absent. */
  kvm: 'usable' | 'kvm_pvm' | 'none' | 'unusable';
  reason: string;
  /** Where the decision came from. */
  source: 'config' | 'probe';
}

export interface VmDefaultReport {
  key: string;
  value: string;
  provenance: 'config' | 'auto' | 'builtin';
}

/** The `vmm` key of config.toml (`auto` picks Firecracker only with usable KVM and its binary on PATH). */
export type VmmSetting = VmmName | 'auto';

export interface VmmConfigReport {
  setting: VmmSetting;
  /** Config `qemu_machine`. */
  qemuMachine: 'auto' | 'microvm' | 'pc';
  /** `config` when config.toml has a `vmm` line, `default` otherwise. */
  source: 'config' | 'default';
  /** The config file doctor read; fixes name it ("set vmm = ... in FILE"). */
  configFile: string;
}

export interface DeviceMapperReport {
  /** /dev/mapper/control exists: Firecracker starts take the device-mapper snapshot path. */
  control: boolean;
  /** The kernel has the device-mapper driver (`device-mapper` in /proc/misc); the root helper refuses dm work without it. */
  driver: boolean;
  /** Where dmsetup is (PATH, then the sbin dirs root's PATH has), or null. */
  dmsetup: string | null;
}

/** What building and importing images needs when bangerd is not root (it keeps root ownership inside the image without it). */
export interface OwnerImagesReport {
  user: string;
  /** Where fakeroot is (the ext4 is made under it so files stay root's), or null. */
  fakeroot: string | null;
  /** What stops `image build --profile debian` as this user, each with its one-line fix; [] when nothing does. */
  debian: { what: string; fix: string }[];
}

/**
 * Everything doctor needs from the host, behind one interface so the checks are
 * pure functions of it (tests pass a fake; `createHostDoctorPorts` is the real one).
 */
export interface DoctorPorts {
  arch(): string;
  /** Absolute path of an executable on PATH, or null. */
  which(bin: string): Promise<string | null>;
  accelerator(): Promise<AcceleratorReport>;
  /** Resolves when the root helper answers (or in-process ops are available as root). */
  helperStatus(): Promise<{ ok: boolean; detail: string; fix?: string }>;
  /** Opens the state database read-only (never migrates). */
  database(): Promise<{ state: 'ok' | 'missing' | 'error'; detail: string }>;
  /** Whether the configured default image exists; if not, whether this host can build it (no network probe). */
  defaultImage(): Promise<{ present: boolean; name: string; buildable: boolean; detail: string; fix?: string }>;
  /**
   * Every image's name and provenance, read from the state database like
   * `database` (read-only; a row older than v6 gets its derived source). []
   * when there is no database or it cannot be read (the database row says why).
   */
  images(): Promise<Array<{ name: string; source: ImageSource }>>;
  /** Where snapshots live, how many and how much they take, and what that filesystem allows. */
  snapshots(): Promise<SnapshotStoreReport>;
  /** Free bytes on the filesystem holding the state dir. */
  freeBytes(): Promise<{ path: string; free: number }>;
  /** True when ~/.ssh/config includes banger's ssh_config for this layout and that file exists. */
  sshIncludeInstalled(): Promise<boolean>;
  vmDefaults(): Promise<VmDefaultReport[]>;
  isRoot(): boolean;
  /** The VMM config.toml selects; throws the config error (with its fix) when config.toml is broken. */
  vmmConfig(): Promise<VmmConfigReport>;
  /** Whether /dev/vhost-vsock is a character device. */
  vhostVsock(): Promise<boolean>;
  /** Who may open /dev/kvm and whether this user may. */
  kvmGroup(): Promise<KvmGroupReport>;
  /** Config `firecracker_bin`, else `firecracker` on PATH. */
  firecrackerBinary(): Promise<BinaryReport>;
  /** What config's firecracker_bin / jailer_bin / jailer_chroot_base still lack (src/vmm/firecracker/setup-check.ts). */
  firecrackerSetup(): Promise<{ jailer: string | null; problems: SetupProblem[] }>;
  deviceMapper(): Promise<DeviceMapperReport>;
  /** Asked only when not root. */
  ownerImages(): Promise<OwnerImagesReport>;
  /** net.ipv4.ip_forward of doctor's network namespace: true/false, or null when unreadable. */
  ipForward(): Promise<boolean | null>;
  /** Whether this user can open /dev/net/tun (its VMMs open their taps through it). */
  tunAccess(): Promise<TunAccessReport>;
  /** Who holds the bridge, tap names and addresses config.toml asks for (src/host/network/sysfs.ts). */
  networkConflicts(): Promise<{ bridge: string; conflicts: Array<{ message: string; key: string }>; configFile: string }>;
}

/** A VMM binary: where config points (null: PATH), and the usable path found (null: none). */
export interface BinaryReport {
  configured: string | null;
  path: string | null;
}

export interface SnapshotStoreReport {
  dir: string;
  count: number;
  bytes: number;
  /** Snapshots take VM disks by renaming them: the snapshots and VM dirs must share a filesystem. */
  sameFilesystemAsVms: boolean;
  /** Reflink clones work there (Firecracker's raw disks need them; QEMU uses qcow2 layers instead). */
  reflinks: boolean;
}

export interface TunAccessReport {
  present: boolean;
  canOpen: boolean;
  /** e.g. "crw------- root" */
  mode: string;
  user: string;
}
