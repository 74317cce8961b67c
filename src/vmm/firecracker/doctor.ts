import type { AcceleratorReport, CheckResult, DeviceMapperReport } from '../../doctor/types.js';

export const FIRECRACKER_RELEASES = 'github.com/firecracker-microvm/firecracker/releases';

/** Doctor's rows for what Firecracker needs from this host (shown when config selects it). */
export function firecrackerHostChecks(a: AcceleratorReport, file: string, vsock: boolean, dm: DeviceMapperReport): CheckResult[] {
  return [firecrackerKvm(a, file), firecrackerVsock(vsock), firecrackerDisks(dm)];
}

function firecrackerKvm(a: AcceleratorReport, file: string): CheckResult {
  const base = { id: 'firecracker-kvm', title: 'firecracker KVM', facts: { kvm: a.kvm } };
  // Firecracker has no software emulation, so the `accel` setting does not apply to it.
  if (a.kvm === 'usable') return { ...base, status: 'pass', detail: '/dev/kvm is usable' };
  const orQemu = `set vmm = "qemu" in ${file} (QEMU falls back to TCG)`;
  const why = {
    kvm_pvm: { detail: '/dev/kvm is kvm_pvm, under which stock guest kernels hang, and Firecracker has no software emulation: VMs cannot start', fix: orQemu },
    none: { detail: '/dev/kvm does not exist and Firecracker has no software emulation: VMs cannot start', fix: `run on a host with hardware virtualisation, or ${orQemu}` },
    unusable: {
      detail: '/dev/kvm exists but this user cannot open it: Firecracker cannot start VMs',
      fix: `add your user to the kvm group (sudo usermod -aG kvm $USER) and log in again, or ${orQemu}`,
    },
  }[a.kvm];
  return { ...base, status: 'fail', ...why };
}

function firecrackerVsock(present: boolean): CheckResult {
  const base = { id: 'firecracker-vsock', title: 'firecracker vsock', facts: { vhostVsock: present } };
  if (present) return { ...base, status: 'pass', detail: '/dev/vhost-vsock present (guest agent channel)' };
  // Firecracker's vsock device is user space (AF_UNIX on the host side), so VMs start without it;
  // Firecracker's docs still list the vhost_vsock module as a host prerequisite.
  return {
    ...base,
    status: 'warn',
    detail: "/dev/vhost-vsock is missing; Firecracker's docs list the vhost_vsock module as a host prerequisite for vsock (banger's guest agent channel)",
    fix: 'modprobe vhost_vsock (add it to /etc/modules-load.d to keep it across reboots)',
  };
}

function firecrackerDisks(dm: DeviceMapperReport): CheckResult {
  const base = { id: 'firecracker-dm', title: 'firecracker disks', facts: { ...dm } };
  if (!dm.control) {
    return {
      ...base,
      status: 'warn',
      detail: 'no device-mapper (/dev/mapper/control missing): each VM root disk is a full sparse copy of the image rootfs, not a snapshot',
      fix: 'modprobe dm_snapshot and apt-get install dmsetup (then dmsetup mknodes if /dev/mapper/control is still missing)',
    };
  }
  // ./storage.ts takes the dm path when the node exists and /proc/misc lists the driver;
  // the root helper then runs dmsetup, so a missing dmsetup stops every start.
  if (!dm.driver) {
    return {
      ...base,
      status: 'warn',
      detail: '/dev/mapper/control exists but the kernel has no device-mapper driver (not in /proc/misc): each VM root disk is a full sparse copy of the image rootfs, not a snapshot',
      fix: 'modprobe dm_snapshot',
    };
  }
  if (!dm.dmsetup) {
    return {
      ...base,
      status: 'fail',
      detail: '/dev/mapper/control exists, so VM starts use device-mapper snapshots, but dmsetup is not installed: VMs cannot start',
      fix: 'apt-get install dmsetup',
    };
  }
  return { ...base, status: 'pass', detail: `device-mapper snapshots over the image rootfs (/dev/mapper/control, ${dm.dmsetup})` };
}
