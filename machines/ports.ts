/**
 * Ports: everything the actor system needs from the outside world, as plain
 * interfaces. `bangerd` implements them with real parts (SQLite store, VMM
 * drivers, storage, the root helper); unit tests pass fakes. Nothing under
 * `machines/` touches the host except through these.
 */
import type { VMHandles, VMRecord, VMRuntime, VMSpec, VMState, VMStats, VmmName } from '../src/model/index.js';
import type { VmmDisk, VmmDiskFreeze, VmmDriver, VmmLaunchSpec } from '../src/model/vmm.js';
import type { PrivilegedOps } from '../src/model/helper-ops.js';
import type { VmCreateParams } from '../src/model/schemas.js';
import type { Release } from './vm/releases.js';

/** Teardown-critical names mirrored on the VM row (recovery fallbacks). */
export type RuntimeMirror = Pick<VMRuntime, 'tapDevice' | 'baseLoop' | 'cowLoop' | 'dmName' | 'vmmPid'>;

/** A partial row update. `null` clears a nullable field. */
export interface VmPatch {
  state?: VMState;
  lastError?: string | null;
  /** Replaces the mirrored teardown names; `null` clears all of them. */
  mirror?: RuntimeMirror | null;
  spec?: VMSpec;
  stats?: VMStats;
  lastTouchedAt?: string;
  /** Snapshot links on the runtime; `null` clears one. */
  links?: { baseSnapshotId?: string | null; restoreFrom?: string | null; startPath?: 'cold' | 'warm' | 'restore' | null };
}

/**
 * The `vms` table as the actors see it. better-sqlite3 is synchronous, so a
 * patch written inside a transition is on disk before the RPC reply.
 */
export interface VmStorePort {
  list(): VMRecord[];
  get(id: string): VMRecord | undefined;
  getByName(name: string): VMRecord | undefined;
  /** By name, id or unambiguous id prefix: the store's one rule (VmsRepo.resolve). @throws NotFoundError, ConflictError */
  resolve(ref: string): VMRecord;
  /** Inserts a new row. Throws ConflictError when the name or id is taken. */
  insert(vm: VMRecord): void;
  /**
   * Applies a patch and bumps `updatedAt`. Never throws: it logs and returns
   * false on failure (a throwing action would take the vm actor down).
   */
  update(id: string, patch: VmPatch): boolean;
  /** Deletes the row. Never throws; false when it failed or was absent. */
  remove(id: string): boolean;
}

/** What storage preparation leaves for the VMM. */
export interface PreparedStorage {
  rootDisk: VmmDisk;
  workDisk?: VmmDisk;
}

/** Called by a step before it acquires something, so a crash or abort mid-step still knows what to release. */
export type Announce = (release: Release) => void;

/**
 * VM disks (owned by src/host/storage). Every method is idempotent: `prepare`
 * on a VM whose overlay already exists reuses it.
 */
export interface StoragePort {
  /**
   * Makes the system overlay and work disk usable (create on first start,
   * attach loop/dm devices...). Announces each release (`loop`, `dm`) before
   * acquiring it. Honours `signal`.
   */
  prepare(vm: VMRecord, opts: { signal: AbortSignal; announce: Announce }): Promise<PreparedStorage>;
  /** A stopped VM's disks frozen for a snapshot: each moves to its `frozenPath`, the VM goes on with a new empty layer on it. */
  freeze(vm: VMRecord, disks: readonly VmmDiskFreeze[]): Promise<void>;
  /** Removes the VM's disks and directory at delete. Missing files are fine. */
  destroy(vm: VMRecord): Promise<void>;
  /** Allocated bytes of the overlay and work disk (for stats). */
  diskUsage(vm: VMRecord): Promise<{ systemOverlayBytes: number; workDiskBytes: number }>;
}

/** Builds the launch spec: the daemon knows images, kernels and command lines. */
export interface LaunchPlanner {
  launchSpec(vm: VMRecord, parts: { storage: PreparedStorage; tap: string; mac: string }): VmmLaunchSpec | Promise<VmmLaunchSpec>;
}

/** Resolves when the guest answers (SSH banner, agent ping). Honours `signal`; rejects with GuestError on timeout. */
export interface GuestReadyPort {
  waitForGuest(vm: VMRecord, opts: { signal: AbortSignal; pid: number }): Promise<void>;
}

/** `handles.json` in the VM dir (src/host/handles-file.ts implements it). Sync: called from actions. */
export interface HandlesPort {
  /** Atomic write (temp + rename). Never throws; false on failure. */
  write(vmId: string, handles: VMHandles): boolean;
  /** The file's handles, or null with the reason (missing, corrupt...). */
  read(vmId: string): { handles: VMHandles; reason?: undefined } | { handles: null; reason: string };
  /** Never throws. */
  remove(vmId: string): boolean;
}

/** Host facts that need no privilege (/proc, /sys). */
export interface HostProbePort {
  /** Names of existing tap devices that start with `prefix` and carry this instance's tag (reads /sys/class/net). */
  listTaps(prefix: string): Promise<string[]>;
  /**
   * What became of one of this instance's taps: `ok` (exists, ours, on the
   * bridge), `missing` (deleted from outside), `detached` (off the bridge) or
   * `foreign` (the name now belongs to someone else). Never throws.
   */
  tapState(name: string): Promise<'ok' | 'missing' | 'detached' | 'foreign'>;
  /** Processes whose command line contains `needle`, with start times (finds a VMM by its socket path when no pid was recorded). */
  findProcesses(needle: string): Promise<{ pid: number; startTime: number }[]>;
  /** Cumulative CPU time (ms) and RSS (bytes) of a process, or undefined when it is gone. */
  processMetrics(pid: number): Promise<{ cpuTimeMs: number; rssBytes: number } | undefined>;
}

/** Starts the UDP server for `NAME.vm` (src/host/dns `startDnsServer` fits). */
export type DnsServerFactory = (opts: {
  host: string;
  port: number;
  lookup: (name: string) => string | undefined;
  onError?: (err: Error) => void;
}) => Promise<{ host: string; port: number; close(): Promise<void> }>;

export interface Clock {
  now(): number;
}

/** pino-compatible subset. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Turns validated `vm.create` params into a full row (state `created`): the
 * daemon resolves the image, applies config defaults, allocates the guest IP
 * and fills the deterministic paths. Throws BangerErrors (NotFoundError for an
 * unknown image, InvalidInputError for bad sizes).
 */
export interface VmRecordFactory {
  build(params: VmCreateParams): VMRecord | Promise<VMRecord>;
}

/** Everything `createBangerSystem` needs. */
export interface BangerPorts {
  store: VmStorePort;
  records: VmRecordFactory;
  /** One driver per backend; a VM row names its backend. */
  driverFor(vmm: VmmName): VmmDriver;
  storage: StoragePort;
  planner: LaunchPlanner;
  guest: GuestReadyPort;
  handles: HandlesPort;
  host: HostProbePort;
  /** The root helper (socket client, or the in-process executor when bangerd is root). */
  privileged: PrivilegedOps;
  startDnsServer: DnsServerFactory;
  clock: Clock;
  logger: Logger;
}
