import { InvalidInputError, VmmError } from '../../errors/index.js';
import type { VmmLaunchSpec } from '../../model/vmm.js';

/**
 * Pure: the ordered Firecracker API calls that configure and boot a VM, or
 * restore one from a snapshot. Bodies carry only fields Firecracker knows (it
 * rejects unknown ones).
 */

export interface FcCall {
  method: 'PUT' | 'PATCH';
  path: string;
  body: Record<string, unknown>;
  /** Longer than the default 5 s where Firecracker does real work (loading a snapshot). */
  timeoutMs?: number;
}

/** The interface and drive ids banger gives Firecracker; a restore addresses the same ones. */
const IFACE_ID = 'eth0';
const ROOT_DRIVE_ID = 'rootfs';
const WORK_DRIVE_ID = 'work';

/** Mapping a memory file of several GiB is quick, but not 5 s quick on a loaded host. */
const SNAPSHOT_LOAD_TIMEOUT_MS = 60_000;

function assertRawRoot(spec: VmmLaunchSpec): void {
  if (spec.rootDisk.format !== 'raw') {
    throw new InvalidInputError(`firecracker needs a raw root disk, got ${spec.rootDisk.format}`, {
      hint: 'use a device-mapper snapshot or a sparse-copy overlay for Firecracker VMs',
    });
  }
}

/** Logger and metrics: all a cold boot sets first, and all Firecracker accepts before a snapshot load. */
function observability(spec: VmmLaunchSpec, fcLogPath: string): FcCall[] {
  const calls: FcCall[] = [
    { method: 'PUT', path: '/logger', body: { log_path: fcLogPath, level: 'Info', show_level: false, show_log_origin: false } },
  ];
  if (spec.metricsPath) calls.push({ method: 'PUT', path: '/metrics', body: { metrics_path: spec.metricsPath } });
  return calls;
}

export function bootSequence(spec: VmmLaunchSpec, fcLogPath: string): FcCall[] {
  assertRawRoot(spec);
  if (spec.vsockCID !== undefined && spec.vsockCID < 3) throw new InvalidInputError(`vsock CID ${spec.vsockCID} is reserved`, { hint: 'use a CID of 3 or more' });
  const calls = observability(spec, fcLogPath);
  calls.push(
    { method: 'PUT', path: '/machine-config', body: { vcpu_count: spec.vcpuCount, mem_size_mib: spec.memoryMiB, smt: false, track_dirty_pages: false } },
    {
      method: 'PUT',
      path: '/boot-source',
      body: { kernel_image_path: spec.kernelPath, boot_args: spec.kernelArgs, ...(spec.initrdPath ? { initrd_path: spec.initrdPath } : {}) },
    },
    { method: 'PUT', path: `/drives/${ROOT_DRIVE_ID}`, body: { drive_id: ROOT_DRIVE_ID, path_on_host: spec.rootDisk.path, is_root_device: true, is_read_only: spec.rootDisk.readOnly ?? false } },
  );
  if (spec.workDisk) {
    calls.push({ method: 'PUT', path: `/drives/${WORK_DRIVE_ID}`, body: { drive_id: WORK_DRIVE_ID, path_on_host: spec.workDisk.path, is_root_device: false, is_read_only: spec.workDisk.readOnly ?? false } });
  }
  if (spec.network) {
    calls.push({ method: 'PUT', path: `/network-interfaces/${IFACE_ID}`, body: { iface_id: IFACE_ID, host_dev_name: spec.network.tap, guest_mac: spec.network.mac } });
  }
  calls.push({ method: 'PUT', path: '/vsock', body: { guest_cid: spec.vsockCID ?? 3, uds_path: spec.agentSockPath } });
  calls.push({ method: 'PUT', path: '/actions', body: { action_type: 'InstanceStart' } });
  return calls;
}

/** A restore's memory file: Firecracker keeps guest memory apart from the vmstate, so a restore without it cannot work. */
export function restoreMemoryPath(spec: VmmLaunchSpec): string {
  const memoryPath = spec.restore?.memoryPath;
  if (!memoryPath) {
    throw new VmmError(`cannot restore ${spec.name}: the snapshot has no memory file`, {
      code: 'vmm.restore_failed',
      hint: 'Firecracker restores need the guest memory file written with the vmstate; take the snapshot again with Firecracker',
    });
  }
  return memoryPath;
}

/**
 * Restore into a fresh process: logger/metrics only (Firecracker refuses a
 * load after any other configuration), load paused, point the drives at this
 * VM's disks (a fork's are not where the snapshotted VM's were), then resume.
 * The tap and the vsock socket are this VM's too, through the load's overrides.
 */
export function restoreSequence(spec: VmmLaunchSpec, fcLogPath: string): FcCall[] {
  assertRawRoot(spec);
  const restore = spec.restore;
  if (!restore) throw new VmmError(`cannot restore ${spec.name}: no snapshot given`, { code: 'vmm.restore_failed', hint: 'this is a bug in banger: a restore launch without its snapshot' });
  const memoryPath = restoreMemoryPath(spec);
  const calls = observability(spec, fcLogPath);
  calls.push({
    method: 'PUT',
    path: '/snapshot/load',
    body: {
      snapshot_path: restore.statePath,
      mem_backend: { backend_type: 'File', backend_path: memoryPath },
      // Resumed below, once the drives are this VM's: the guest must not write to the old paths.
      resume_vm: false,
      ...(spec.network ? { network_overrides: [{ iface_id: IFACE_ID, host_dev_name: spec.network.tap }] } : {}),
      // Cold boots always configure the vsock (bootSequence), so every snapshot has one to move.
      vsock_override: { uds_path: spec.agentSockPath },
    },
    timeoutMs: SNAPSHOT_LOAD_TIMEOUT_MS,
  });
  calls.push({ method: 'PATCH', path: `/drives/${ROOT_DRIVE_ID}`, body: { drive_id: ROOT_DRIVE_ID, path_on_host: spec.rootDisk.path } });
  if (spec.workDisk) calls.push({ method: 'PATCH', path: `/drives/${WORK_DRIVE_ID}`, body: { drive_id: WORK_DRIVE_ID, path_on_host: spec.workDisk.path } });
  calls.push({ method: 'PATCH', path: '/vm', body: { state: 'Resumed' } });
  return calls;
}
