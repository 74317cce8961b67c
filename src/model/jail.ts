/**
 * Names shared by bangerd's jailed Firecracker launch (src/vmm/firecracker/jail-layout.ts)
 * and the root helper's jail operations (helper/ops/jail.ts), which accept nothing else.
 */

/** The names banger gives each file directly under a jail's root. */
export const JAIL_NAMES = {
  kernel: 'vmlinux',
  initrd: 'initrd',
  rootDisk: 'rootfs',
  workDisk: 'work',
  snapshotState: 'snapshot.state',
  snapshotMemory: 'snapshot.mem',
  fcLog: 'firecracker.log',
  metrics: 'metrics',
  apiSock: 'api.sock',
  agentSock: 'v.sock',
  /** Snapshot output: Firecracker writes these in the jail, bangerd moves them to the snapshot's dir. */
  snapshotOutState: 'out.state',
  snapshotOutMemory: 'out.mem',
} as const;

export const JAIL_NAME_SET: ReadonlySet<string> = new Set(Object.values(JAIL_NAMES));

/** A VM id as banger makes them (src/model/ids.ts newId): 32 lowercase hex digits, which the jailer's id rule (alphanumerics and hyphens, at most 64) accepts. */
export const VM_ID_RE = /^[0-9a-f]{32}$/;

/**
 * The Firecracker binary's file name as the jailer uses it (the chroot's
 * parent dir): the jailer refuses an exec file whose name lacks "firecracker".
 */
export const FC_EXEC_NAME_RE = /^[A-Za-z0-9._-]*firecracker[A-Za-z0-9._-]*$/;

export interface JailerArgsInput {
  vmId: string;
  /** The Firecracker binary's real path (the jailer copies it into the chroot). */
  firecrackerBin: string;
  uid: number;
  gid: number;
  chrootBase: string;
  cgroupVersion: 1 | 2;
  /** The VM cgroup's memory limit (memory.max on v2, memory.limit_in_bytes on v1). */
  memoryLimitBytes?: number;
}

/**
 * The jailer's command line (docs/jailer.md "Jailer Usage", src/jailer/src/env.rs):
 * required --id/--exec-file/--uid/--gid, the chroot base and cgroup version spelled
 * out rather than left to defaults, the memory limit as a --cgroup FILE=VALUE, then
 * `--` and Firecracker's own arguments, which the jailer appends after its
 * `--id <id> --start-time-us …`. The API socket is a path inside the chroot. No
 * --daemonize: it would send the guest console (Firecracker's stdout) to /dev/null,
 * and without it (and without --new-pid-ns) the jailer execs Firecracker in place,
 * so the pid spawned is Firecracker's.
 */
export function jailerArgs(i: JailerArgsInput): string[] {
  const args = [
    '--id', i.vmId,
    '--exec-file', i.firecrackerBin,
    '--uid', String(i.uid),
    '--gid', String(i.gid),
    '--chroot-base-dir', i.chrootBase,
    '--cgroup-version', String(i.cgroupVersion),
  ];
  if (i.memoryLimitBytes !== undefined) args.push('--cgroup', `${i.cgroupVersion === 2 ? 'memory.max' : 'memory.limit_in_bytes'}=${i.memoryLimitBytes}`);
  args.push('--', '--api-sock', `/${JAIL_NAMES.apiSock}`);
  return args;
}
