/**
 * Plain data types shared by every part of banger. No behaviour here beyond
 * type definitions; pure helpers live in sibling modules.
 */

/** Durable lifecycle state of a VM, as stored in SQLite. */
export const VM_STATES = ['created', 'starting', 'running', 'paused', 'stopping', 'stopped', 'error'] as const;
export type VMState = (typeof VM_STATES)[number];

/** What the user asked for: sizing and options. Changes only through `vm set`. */
export interface VMSpec {
  vcpuCount: number;
  memoryMiB: number;
  /** Size of the copy-on-write system overlay (bytes). */
  systemOverlaySizeBytes: number;
  /** Size of the ext4 work disk mounted at /root (bytes). */
  workDiskSizeBytes: number;
  natEnabled: boolean;
}

/**
 * Durable runtime facts: identity, deterministic paths, the guest IP (fixed at
 * create) and the teardown-critical names mirrored from VMHandles as recovery
 * fallbacks (used only when handles.json is missing or corrupt).
 */
export interface VMRuntime {
  guestIP: string;
  /** `NAME.vm` */
  dnsName: string;
  vmDir: string;
  systemOverlayPath: string;
  workDiskPath: string;
  logPath: string;
  /** VMM control socket (Firecracker API socket or QEMU QMP socket). */
  apiSockPath: string;
  /** Guest-agent channel: Firecracker vsock UDS or QEMU virtio-serial socket. */
  agentSockPath: string;
  vsockCID?: number;
  metricsPath?: string;
  /** Recovery fallbacks mirrored from VMHandles; cleared on stop/error/delete. */
  tapDevice?: string;
  baseLoop?: string;
  cowLoop?: string;
  dmName?: string;
  vmmPid?: number;
  lastError?: string;
  /** The snapshot whose frozen disks this VM's disks are layered on (a fork, a restore, or after `vm snapshot`). */
  baseSnapshotId?: string;
  /** How the VM last started: a kernel boot, a warm image snapshot, or a restored snapshot (a fork or `vm restore`). */
  startPath?: 'cold' | 'warm' | 'restore';
  /** The next start resumes this snapshot's saved state (a fork or restore not yet started), then clears it. */
  restoreFrom?: string;
  /**
   * When the VM last reached running from a start (ISO time); kept while it runs, pauses or is snapshotted, cleared
   * when it stops. Uptime (`vm stats`, the TUI) counts from it: `updatedAt` moves with every stats sample.
   */
  runningSince?: string;
}

export interface VMStats {
  collectedAt?: string;
  cpuPercent?: number;
  rssBytes?: number;
  systemOverlayBytes?: number;
  workDiskBytes?: number;
}

export interface VMRecord {
  id: string;
  name: string;
  imageId: string;
  state: VMState;
  /** Which VMM driver runs this VM. */
  vmm: VmmName;
  createdAt: string;
  updatedAt: string;
  lastTouchedAt: string;
  spec: VMSpec;
  runtime: VMRuntime;
  stats: VMStats;
  workspace?: WorkspacePrepareResult;
}

/**
 * Transient handles: what is true about a running VM right now. Never stored in
 * SQLite; kept in memory and in `<vmDir>/handles.json`, rebuilt at daemon start.
 */
export interface VMHandles {
  pid?: number;
  tapDevice?: string;
  baseLoop?: string;
  cowLoop?: string;
  dmName?: string;
  dmDev?: string;
  apiSockPath?: string;
  /** Start time of the VMM process (clock ticks since boot, /proc/PID/stat field 22) to detect pid reuse. */
  pidStartTime?: number;
}

/** `standin` is a test/dev backend (a plain child process, no guest); never use it for real work. */
/** Every VMM kind; src/vmm/registry.ts must have a backend for each (a compile error otherwise). */
export const VMM_NAMES = ['firecracker', 'qemu', 'standin'] as const;
export type VmmName = (typeof VMM_NAMES)[number];
export type ImageProfile = 'debian' | 'dev' | 'minimal' | 'imported';
/** The profiles `image build` makes (every ImageProfile but `imported`). */
export type BuiltImageProfile = Exclude<ImageProfile, 'imported'>;
/** What `image import` found its source to be (src/images/import/layers.ts detectFormat): `tar` is a plain rootfs tarball. */
export type ImageImportFormat = 'oci' | 'docker' | 'tar';

/**
 * Where an image came from (schema v6, `images.source_json`). Images made
 * before banger recorded it get one derived from their profile when read
 * (src/model/image-source.ts legacyImageSource): a built profile is exact,
 * an `imported` one is an import whose path and format were never kept
 * (a pull before v6 included: it was an import of a layout then).
 */
export type ImageSource =
  | { kind: 'profile'; profile: BuiltImageProfile }
  | {
      kind: 'import';
      /** Absolute path of the directory or tarball imported; absent only on images imported before v6. */
      path?: string;
      format?: ImageImportFormat;
    }
  | {
      kind: 'pull';
      /** Canonical reference as pulled, e.g. docker.io/library/debian:bookworm (a pinned digest stays in it). */
      reference: string;
      /** Digest of the platform's image manifest (sha256:…): what decides that a second pull is a no-op. */
      digest: string;
      /** os/arch[/variant] taken, e.g. linux/amd64. */
      platform: string;
      /** Digest of the multi-arch index the reference named, when it named one. */
      indexDigest?: string;
    };

export interface Image {
  id: string;
  name: string;
  profile: ImageProfile;
  managed: boolean;
  artifactDir: string;
  rootfsPath: string;
  workSeedPath?: string;
  /** Compressed kernel (bzImage): QEMU's default machine boots it. */
  kernelPath: string;
  /**
   * The same kernel as an uncompressed ELF: Firecracker (x86_64) boots only
   * this. Absent on images built before it existed until bangerd upgrades them.
   */
  vmlinuxPath?: string;
  initrdPath?: string;
  modulesDir?: string;
  /** Kernel command-line fragment the image needs (e.g. root=, init=). */
  kernelArgs?: string;
  sizeBytes?: number;
  sshKeyFingerprint?: string;
  /** Provenance. Always set on images read from the store (derived for rows older than v6); a builder's or importer's record gets it from the images service. */
  source?: ImageSource;
  createdAt: string;
  updatedAt: string;
}

export type WorkspacePrepareMode = 'shallow_overlay' | 'full_copy' | 'metadata_only';

export interface WorkspacePrepareResult {
  vmId: string;
  sourcePath: string;
  repoRoot: string;
  repoName: string;
  guestPath: string;
  mode: WorkspacePrepareMode;
  headCommit?: string;
  currentBranch?: string;
  preparedAt: string;
}

export interface FileSyncEntry {
  host: string;
  guest: string;
  /** Octal string, e.g. "0600". Defaults: files 0600, directories 0755. */
  mode?: string;
}

/** One row of `banger vm ports`. */
export interface PortRow {
  /** tcp, udp, or the probed application protocol (http, https). */
  proto: string;
  /** NAME.vm:PORT (a URL, http://NAME.vm:PORT/, for a probed web server), or 127.0.0.1:PORT style for loopback-only listeners. */
  endpoint: string;
  port: number;
  process: string;
  command: string;
  /** Bound to loopback only: not reachable from the host. */
  loopbackOnly: boolean;
  /** The host side of a port forward to this port (`127.0.0.1:18080`), when there is one. */
  forward?: string;
  /** What to open on the host through that forward (`http://127.0.0.1:18080/`, or `127.0.0.1:18080`). */
  forwardEndpoint?: string;
  /** The forward is recorded but not listening (its bind failed). */
  forwardDown?: boolean;
}
