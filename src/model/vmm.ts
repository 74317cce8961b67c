/**
 * The one interface every VMM backend implements (Firecracker, QEMU, and the
 * stand-in used by tests). The daemon never branches on the backend: it builds
 * a VmmLaunchSpec and calls these methods.
 *
 * Contract for every method: it never throws a non-BangerError; failures are
 * VmmError with a hint. Methods that take a `signal` abort promptly when it
 * fires and leave no process behind.
 */

export interface VmmDisk {
  path: string;
  format: 'raw' | 'qcow2';
  readOnly?: boolean;
}

export interface VmmNetwork {
  /** Host tap device, already created and attached to the bridge. */
  tap: string;
  /** Guest MAC, stable per VM (derived from the guest IP). */
  mac: string;
}

export interface VmmLaunchSpec {
  vmId: string;
  name: string;
  vcpuCount: number;
  memoryMiB: number;
  kernelPath: string;
  initrdPath?: string;
  /** Full kernel command line (console, root, ip= config, quiet...). */
  kernelArgs: string;
  /** Root disk: the VM's copy-on-write system overlay. */
  rootDisk: VmmDisk;
  /** Work disk mounted at /root in the guest. */
  workDisk?: VmmDisk;
  network?: VmmNetwork;
  /** VMM control socket: Firecracker API socket or QEMU QMP socket. */
  apiSockPath: string;
  /** Guest-agent channel socket (Firecracker vsock UDS or QEMU virtio-serial chardev). */
  agentSockPath: string;
  /** Serial console output goes here. */
  logPath: string;
  metricsPath?: string;
  vsockCID?: number;
  /**
   * A fresh VM generation ID (a UUID) for every launch: QEMU's vmgenid device
   * (Firecracker sets its own on restore). A guest restored from a snapshot
   * sees it change and reseeds its random pool at once (Linux 5.18+).
   */
  vmGenId?: string;
  /** Start from a snapshot's saved state instead of booting the kernel; the disks above are already layered on its frozen disks. */
  restore?: VmmRestore;
}

/** The saved state a launch resumes from. The launched guest runs (resumed) when launch returns. */
export interface VmmRestore {
  /** Device state: the QEMU migration stream, or Firecracker's vmstate file. */
  statePath: string;
  /** Guest memory (Firecracker's memory file; QEMU keeps memory in the state stream). */
  memoryPath?: string;
  /**
   * Resume with the guest's network link down: a copy wakes with the original's
   * address, and must not answer for it on the bridge before it is told its own
   * (VmmDriver.setLink brings it up). Where the VMM cannot, it is ignored.
   */
  isolated?: boolean;
}

/** One disk to freeze at the snapshot instant. */
export interface VmmDiskFreeze {
  /** Which of the launch's disks: `root` (rootDisk) or `work` (workDisk). */
  drive: 'root' | 'work';
  /** Where the running VM's disk is now; after the snapshot it is a new, empty layer there the VM writes to. */
  activePath: string;
  /** Where the frozen content goes (in the snapshot's dir). Read-only from then on: later layers are built on it. */
  frozenPath: string;
}

export interface VmmSnapshotRequest {
  /** Device (and for QEMU, memory) state file to write. */
  statePath: string;
  /** Firecracker's separate guest memory file. */
  memoryPath: string;
  disks: VmmDiskFreeze[];
}

export interface VmmSnapshotResult {
  /** How long the guest's vCPUs were stopped for the snapshot (0 when it was paused already). */
  pausedMs: number;
  /** Size of the state (and memory) files written. */
  stateBytes: number;
}

/** What a launched VMM leaves behind; persisted in handles.json. */
export interface VmmProcessHandle {
  pid: number;
  /** /proc/PID/stat starttime, to tell our process from a reused pid. */
  pidStartTime?: number;
  apiSockPath: string;
}

export type StopOutcome = 'graceful' | 'killed' | 'already-stopped';

export interface VmmStatus {
  alive: boolean;
  /** Backend-reported state, e.g. QMP "running" or Firecracker "Running". */
  status?: string;
}

export interface VmmDriver {
  /** Creates per-VM runtime dirs and removes stale sockets. Idempotent. */
  prepare(spec: VmmLaunchSpec): Promise<void>;
  /**
   * Starts the VMM process and returns once its control socket accepts
   * commands and the guest has been told to boot. On failure nothing is left
   * running.
   */
  launch(spec: VmmLaunchSpec, opts?: { signal?: AbortSignal }): Promise<VmmProcessHandle>;
  /**
   * Asks the guest to power off (SendCtrlAltDel / system_powerdown), waits up
   * to timeoutMs for the process to exit, then kills it. Safe on a process that
   * is already gone ('already-stopped'). A paused guest is resumed first, so it
   * can shut down cleanly.
   */
  stop(handle: VmmProcessHandle, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<StopOutcome>;
  /** SIGKILL and reap. Idempotent. */
  kill(handle: VmmProcessHandle): Promise<void>;
  /** Is the process ours and alive, and what does the VMM report? */
  inspect(handle: VmmProcessHandle): Promise<VmmStatus>;
  /**
   * Freezes the guest's vCPUs (QMP `stop`, Firecracker `PATCH /vm` Paused):
   * memory and devices stay, the VMM uses no CPU. Idempotent on a paused VM;
   * VmmError when the process is gone.
   */
  pause(handle: VmmProcessHandle): Promise<void>;
  /** Lets a paused guest run on (QMP `cont`, `PATCH /vm` Resumed). Idempotent on a running VM. */
  resume(handle: VmmProcessHandle): Promise<void>;
  /**
   * Takes a consistent snapshot of a live VM: its memory and device state to
   * `statePath` (and `memoryPath`), and each disk frozen at the same instant
   * into `frozenPath` without copying it (QEMU: an external qcow2 snapshot,
   * the VM goes on writing a new layer at `activePath`), with the guest
   * stopped for as short a time as the VMM allows. The guest runs on
   * afterwards unless it was paused before. On failure the VM runs on as it
   * was, and whatever files were started are removed; VmmError says why.
   */
  snapshot(handle: VmmProcessHandle, req: VmmSnapshotRequest, opts?: { signal?: AbortSignal }): Promise<VmmSnapshotResult>;
  /** Plugs or unplugs the guest's network link (QMP `set_link`); a no-op where the VMM has no such control. */
  setLink(handle: VmmProcessHandle, up: boolean): Promise<void>;
}
