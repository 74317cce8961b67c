import type { KvmGroupReport } from './kvm-group.js';
import type { AcceleratorReport, BinaryReport, CheckResult, DoctorPorts } from './types.js';
import type { SetupProblem } from '../vmm/firecracker/setup-check.js';

/**
 * "What would this host still need to run VMs on KVM?", asked of each VMM,
 * whichever one config selects: one row for Firecracker, one for QEMU. On a
 * KVM host with everything in place both pass; on a host without usable KVM
 * (like a CI runner nested in a cloud VM) they say exactly what is missing
 * and how to get it, so hosts are told apart at a glance. Missing pieces warn
 * (the VMM in use has its own rows that fail when it cannot start).
 */

interface Lack {
  what: string;
  fix: string;
}

/** Pure: why this user cannot run KVM guests, or undefined when it can. */
export function kvmLack(a: AcceleratorReport, g: KvmGroupReport): Lack | undefined {
  switch (a.kvm) {
    case 'usable':
      return undefined;
    case 'none':
      return {
        what: `${g.device} does not exist (no hardware virtualisation)`,
        fix: 'use a host with VT-x/AMD-V enabled in firmware (in a cloud VM: one with nested virtualisation) and load kvm_intel or kvm_amd',
      };
    case 'kvm_pvm':
      return {
        what: `${g.device} is kvm_pvm, under which stock guest kernels hang`,
        fix: 'use a host with hardware KVM (bare metal, or a cloud VM with nested virtualisation)',
      };
    case 'unusable': {
      const node = `${g.device} (group ${g.group ?? '?'})`;
      if (g.memberInGroupDb && !g.memberInSession) {
        return { what: `${g.user} joined ${g.group ?? 'the kvm group'} after this login, so ${node} is not open to it yet`, fix: 'log out and in again (or run newgrp kvm), then restart bangerd' };
      }
      return { what: `${g.user} may not open ${node}`, fix: `sudo usermod -aG ${g.group ?? 'kvm'} ${g.user}, then log in again` };
    }
  }
}

/** Pure: the two rows. */
export function kvmReadinessRows(i: {
  accel: AcceleratorReport;
  kvmGroup: KvmGroupReport;
  qemu: string | null;
  firecracker: BinaryReport;
  fcSetup: { jailer: string | null; problems: SetupProblem[] };
  vhostVsock: boolean;
}): CheckResult[] {
  const kvm = kvmLack(i.accel, i.kvmGroup);
  const facts = { kvm: i.accel.kvm, kvmGroup: i.kvmGroup.group, memberInSession: i.kvmGroup.memberInSession };

  const fc: Lack[] = kvm ? [kvm] : [];
  // The configured setup's own problems (binary, jailer, chroot base) name their fixes.
  fc.push(...i.fcSetup.problems.map((p) => ({ what: p.detail, fix: p.fix })));
  if (!i.vhostVsock) fc.push({ what: '/dev/vhost-vsock is missing', fix: 'modprobe vhost_vsock (and list it in /etc/modules-load.d)' });
  const fcNotes = [
    i.firecracker.path ? `firecracker ${i.firecracker.path}` : undefined,
    i.fcSetup.jailer ? `jailer ${i.fcSetup.jailer}` : 'no jailer (optional: set jailer_bin to run each VM chrooted as its owner)',
  ].filter((n): n is string => n !== undefined);

  const qm: Lack[] = kvm ? [kvm] : [];
  if (!i.qemu) qm.push({ what: 'qemu-system-x86_64 is not on PATH', fix: 'apt-get install qemu-system-x86' });

  return [
    row('kvm-firecracker', 'KVM: firecracker', fc, fcNotes, { ...facts, firecracker: i.firecracker.path, jailer: i.fcSetup.jailer, vhostVsock: i.vhostVsock }),
    row('kvm-qemu', 'KVM: qemu', qm, i.qemu ? [`${i.qemu}, microvm machine`] : [], { ...facts, qemu: i.qemu }),
  ];
}

function row(id: string, title: string, lacks: Lack[], notes: string[], facts: Record<string, unknown>): CheckResult {
  if (lacks.length === 0) return { id, title, status: 'pass', detail: ['ready', ...notes].join('; '), facts };
  return {
    id,
    title,
    status: 'warn',
    detail: `not ready for KVM: ${lacks.map((l) => l.what).join('; ')}`,
    fix: lacks.map((l) => l.fix).join('; '),
    facts: { ...facts, lacks: lacks.map((l) => l.what) },
  };
}

export async function checkKvmReadiness(p: DoctorPorts): Promise<CheckResult[]> {
  const [accel, kvmGroup, qemu, firecracker, fcSetup, vhostVsock] = await Promise.all([
    p.accelerator(), p.kvmGroup(), p.which('qemu-system-x86_64'), p.firecrackerBinary(), p.firecrackerSetup(), p.vhostVsock(),
  ]);
  return kvmReadinessRows({ accel, kvmGroup, qemu, firecracker, fcSetup, vhostVsock });
}
