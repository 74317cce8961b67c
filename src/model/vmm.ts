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
}
