import { InvalidInputError } from '../../errors/index.js';
import type { VmmLaunchSpec } from '../../model/vmm.js';

/**
 * Pure: the ordered Firecracker API calls that configure and boot a VM.
 * Bodies carry only fields Firecracker knows (it rejects unknown ones).
 */

export interface FcCall {
  method: 'PUT';
  path: string;
  body: Record<string, unknown>;
}

export function bootSequence(spec: VmmLaunchSpec, fcLogPath: string): FcCall[] {
  if (spec.rootDisk.format !== 'raw') {
    throw new InvalidInputError(`firecracker needs a raw root disk, got ${spec.rootDisk.format}`, {
      hint: 'use a device-mapper snapshot or a sparse-copy overlay for Firecracker VMs',
    });
  }
  if (spec.vsockCID !== undefined && spec.vsockCID < 3) throw new InvalidInputError(`vsock CID ${spec.vsockCID} is reserved`, { hint: 'use a CID of 3 or more' });
  const calls: FcCall[] = [
    { method: 'PUT', path: '/logger', body: { log_path: fcLogPath, level: 'Info', show_level: false, show_log_origin: false } },
  ];
  if (spec.metricsPath) calls.push({ method: 'PUT', path: '/metrics', body: { metrics_path: spec.metricsPath } });
  calls.push(
    { method: 'PUT', path: '/machine-config', body: { vcpu_count: spec.vcpuCount, mem_size_mib: spec.memoryMiB, smt: false, track_dirty_pages: false } },
    {
      method: 'PUT',
      path: '/boot-source',
      body: { kernel_image_path: spec.kernelPath, boot_args: spec.kernelArgs, ...(spec.initrdPath ? { initrd_path: spec.initrdPath } : {}) },
    },
    { method: 'PUT', path: '/drives/rootfs', body: { drive_id: 'rootfs', path_on_host: spec.rootDisk.path, is_root_device: true, is_read_only: spec.rootDisk.readOnly ?? false } },
  );
  if (spec.workDisk) {
    calls.push({ method: 'PUT', path: '/drives/work', body: { drive_id: 'work', path_on_host: spec.workDisk.path, is_root_device: false, is_read_only: spec.workDisk.readOnly ?? false } });
  }
  if (spec.network) {
    calls.push({ method: 'PUT', path: '/network-interfaces/eth0', body: { iface_id: 'eth0', host_dev_name: spec.network.tap, guest_mac: spec.network.mac } });
  }
  calls.push({ method: 'PUT', path: '/vsock', body: { guest_cid: spec.vsockCID ?? 3, uds_path: spec.agentSockPath } });
  calls.push({ method: 'PUT', path: '/actions', body: { action_type: 'InstanceStart' } });
  return calls;
}
