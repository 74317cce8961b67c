import { describe, expect, it } from 'vitest';
import {
  checkVmm,
  doctorPassed,
  formatDoctor,
  runDoctor,
  type AcceleratorReport,
  type CheckResult,
  type DeviceMapperReport,
  type DoctorPorts,
  type VmmConfigReport,
} from '../../../src/doctor/index.js';
import { InvalidInputError } from '../../../src/errors/index.js';
import { FAKE_CONFIG_FILE, healthyDoctorPorts } from '../../fakes/index.js';

const CONFIG = FAKE_CONFIG_FILE;

const KVM: AcceleratorReport = { decision: 'kvm', kvm: 'usable', reason: '/dev/kvm is usable; using KVM (microvm machine)', source: 'probe' };
const PVM: AcceleratorReport = {
  decision: 'tcg',
  kvm: 'kvm_pvm',
  reason: '/dev/kvm is provided by kvm_pvm, under which stock guest kernels hang; using TCG (pc machine, slower)',
  source: 'probe',
};

interface Host {
  vmm?: Partial<VmmConfigReport>;
  accel?: AcceleratorReport;
  /** Binaries absent from PATH. */
  missing?: string[];
  vhostVsock?: boolean;
  dm?: DeviceMapperReport;
}

/** Fake ports: everything healthy except what `h` says. */
function ports(h: Host = {}): DoctorPorts {
  return healthyDoctorPorts({
    which: async (bin) => (h.missing?.includes(bin) ? null : `/usr/bin/${bin}`),
    accelerator: async () => h.accel ?? KVM,
    vmmConfig: async () => ({ setting: 'auto', qemuMachine: 'auto', source: 'default', configFile: CONFIG, ...h.vmm }),
    vhostVsock: async () => h.vhostVsock ?? true,
    deviceMapper: async () => h.dm ?? { control: true, driver: true, dmsetup: '/usr/sbin/dmsetup' },
  });
}

const FC = { vmm: { setting: 'firecracker', source: 'config' } } as const;
const row = (rows: CheckResult[], id: string) => rows.find((r) => r.id === id)!;

describe('doctor VMM check: judges the VMM config.toml selects', () => {
  it('firecracker selected, binary not on PATH: fail naming the install and the config file to switch to qemu', async () => {
    const rows = await checkVmm(ports({ ...FC, missing: ['firecracker'] }));
    expect(rows[0]).toMatchObject({
      id: 'vmm',
      status: 'fail',
      detail: `vmm = "firecracker" in ${CONFIG}, but firecracker is not on PATH: VMs cannot start`,
      fix: `install firecracker (github.com/firecracker-microvm/firecracker/releases) and put it on PATH (or set firecracker_bin), or set vmm = "qemu" in ${CONFIG}`,
    });
    expect(rows[0]!.facts).toMatchObject({ setting: 'firecracker', chosen: 'firecracker', firecracker: null });
    // The requirement rows are still judged, so one run lists everything to fix.
    expect(rows.map((r) => r.id)).toEqual(['vmm', 'firecracker-kvm', 'firecracker-vsock', 'firecracker-dm']);
    expect(doctorPassed(await runDoctor(ports({ ...FC, missing: ['firecracker'] })))).toBe(false);
  });

  it('firecracker selected, present, but /dev/kvm is kvm_pvm: fail (no software emulation), fix is vmm = "qemu"', async () => {
    const rows = await checkVmm(ports({ ...FC, accel: PVM }));
    expect(row(rows, 'vmm')).toMatchObject({ status: 'pass', detail: `vmm = "firecracker" in ${CONFIG}: Firecracker, /usr/bin/firecracker` });
    expect(row(rows, 'firecracker-kvm')).toMatchObject({
      status: 'fail',
      detail: '/dev/kvm is kvm_pvm, under which stock guest kernels hang, and Firecracker has no software emulation: VMs cannot start',
      fix: `set vmm = "qemu" in ${CONFIG} (QEMU falls back to TCG)`,
    });
    // accel = "tcg" in config does not rescue Firecracker: it only has KVM.
    const forcedTcg = await checkVmm(ports({ ...FC, accel: { ...PVM, source: 'config' } }));
    expect(row(forcedTcg, 'firecracker-kvm').status).toBe('fail');
  });

  it('firecracker selected without /dev/kvm or without access to it: fail with the matching fix', async () => {
    const none = row(await checkVmm(ports({ ...FC, accel: { ...PVM, kvm: 'none' } })), 'firecracker-kvm');
    expect(none).toMatchObject({ status: 'fail', detail: expect.stringContaining('/dev/kvm does not exist') });
    expect(none.fix).toContain('hardware virtualisation');
    const unusable = row(await checkVmm(ports({ ...FC, accel: { ...PVM, kvm: 'unusable' } })), 'firecracker-kvm');
    expect(unusable).toMatchObject({ status: 'fail', fix: expect.stringContaining('kvm group') });
    expect(unusable.fix).toContain(`set vmm = "qemu" in ${CONFIG}`);
  });

  it('firecracker selected without /dev/vhost-vsock: warn with modprobe vhost_vsock (Firecracker vsock is user space, VMs still start)', async () => {
    const rows = await checkVmm(ports({ ...FC, vhostVsock: false }));
    expect(row(rows, 'firecracker-vsock')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('/dev/vhost-vsock is missing'),
      fix: 'modprobe vhost_vsock (add it to /etc/modules-load.d to keep it across reboots)',
    });
    expect(row(await checkVmm(ports(FC)), 'firecracker-vsock')).toMatchObject({ status: 'pass', facts: { vhostVsock: true } });
  });

  it('firecracker without usable device-mapper (no node, or a node without the driver): warn, sparse copy; no dmsetup: fail', async () => {
    const noDm = row(await checkVmm(ports({ ...FC, dm: { control: false, driver: false, dmsetup: null } })), 'firecracker-dm');
    expect(noDm).toMatchObject({ status: 'warn', detail: expect.stringContaining('full sparse copy of the image rootfs') });
    expect(noDm.fix).toContain('modprobe dm_snapshot and apt-get install dmsetup');
    const noTool = row(await checkVmm(ports({ ...FC, dm: { control: true, driver: true, dmsetup: null } })), 'firecracker-dm');
    expect(noTool).toMatchObject({ status: 'fail', detail: expect.stringContaining('dmsetup is not installed: VMs cannot start'), fix: 'apt-get install dmsetup' });
    // This machine: a /dev/mapper/control node but no device-mapper driver in the kernel; storage falls back too.
    const noDriver = row(await checkVmm(ports({ ...FC, dm: { control: true, driver: false, dmsetup: '/usr/sbin/dmsetup' } })), 'firecracker-dm');
    expect(noDriver).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('the kernel has no device-mapper driver (not in /proc/misc): each VM root disk is a full sparse copy'),
      fix: 'modprobe dm_snapshot',
    });
    const ok = row(await checkVmm(ports(FC)), 'firecracker-dm');
    expect(ok).toMatchObject({ status: 'pass', detail: expect.stringContaining('/usr/sbin/dmsetup') });
  });

  it('this machine as firecracker sees it (no binary, kvm_pvm, no vhost-vsock, a dm control node without the driver): two fails, two warns', async () => {
    const dm = { control: true, driver: false, dmsetup: '/usr/sbin/dmsetup' };
    const rows = await runDoctor(ports({ ...FC, missing: ['firecracker'], accel: PVM, vhostVsock: false, dm }));
    const vmmRows = rows.filter((r) => r.id === 'vmm' || r.id.startsWith('firecracker-'));
    expect(vmmRows.map((r) => `${r.id}:${r.status}`)).toEqual(['vmm:fail', 'firecracker-kvm:fail', 'firecracker-vsock:warn', 'firecracker-dm:warn']);
    expect(doctorPassed(rows)).toBe(false);
    const text = formatDoctor(rows);
    expect(text).toMatch(/^FAIL {2}VMM {16}vmm = "firecracker" in \S+, but firecracker is not on PATH: VMs cannot start$/m);
    expect(text).toContain(`fix: install firecracker (github.com/firecracker-microvm/firecracker/releases) and put it on PATH (or set firecracker_bin), or set vmm = "qemu" in ${CONFIG}`);
  });

  it('auto picks Firecracker only with usable KVM and the binary, and then judges its requirements', async () => {
    const fc = await checkVmm(ports());
    expect(fc[0]).toMatchObject({ status: 'pass', detail: 'vmm = "auto" (default): Firecracker, /usr/bin/firecracker', facts: { chosen: 'firecracker' } });
    expect(fc).toHaveLength(4);
    const autoInFile = await checkVmm(ports({ vmm: { source: 'config' }, dm: { control: true, driver: true, dmsetup: null } }));
    expect(autoInFile[0]!.detail).toBe(`vmm = "auto" in ${CONFIG}: Firecracker, /usr/bin/firecracker`);
    expect(row(autoInFile, 'firecracker-dm').status).toBe('fail');
  });

  it('standin: warn that VMs are stand-in processes with no guest; fix is vmm = "qemu"', async () => {
    const rows = await checkVmm(ports({ vmm: { setting: 'standin', source: 'config' } }));
    expect(rows).toEqual([
      {
        id: 'vmm',
        title: 'VMM',
        status: 'warn',
        detail: `vmm = "standin" in ${CONFIG}: VMs are stand-in processes for tests and development, with no guest (no kernel, no SSH)`,
        fix: `set vmm = "qemu" in ${CONFIG} for real VMs`,
        facts: { setting: 'standin', source: 'config', configFile: CONFIG, chosen: 'standin', qemu: '/usr/bin/qemu-system-x86_64', firecracker: '/usr/bin/firecracker' },
      },
    ]);
    // Stand-in needs neither VMM binary, so a bare host still only warns.
    expect((await checkVmm(ports({ vmm: { setting: 'standin' }, missing: ['qemu-system-x86_64', 'firecracker'] })))[0]!.status).toBe('warn');
  });

  it('qemu: one row naming the accelerator and machine type (TCG → pc + virtio-pci, KVM → microvm)', async () => {
    const QEMU = { vmm: { setting: 'qemu', source: 'config' } } as const;
    const tcg = await checkVmm(ports({ ...QEMU, accel: PVM, vhostVsock: false, dm: { control: false, driver: false, dmsetup: null } }));
    expect(tcg).toEqual([
      expect.objectContaining({
        status: 'pass',
        detail: `vmm = "qemu" in ${CONFIG}: QEMU with TCG software emulation, pc machine (virtio-pci), /usr/bin/qemu-system-x86_64`,
      }),
    ]);
    const kvm = await checkVmm(ports(QEMU));
    expect(kvm).toHaveLength(1);
    expect(kvm[0]).toMatchObject({ status: 'pass', detail: `vmm = "qemu" in ${CONFIG}: QEMU with KVM, microvm machine (virtio-mmio), /usr/bin/qemu-system-x86_64` });
    const noQemu = await checkVmm(ports({ ...QEMU, missing: ['qemu-system-x86_64'] }));
    expect(noQemu[0]).toMatchObject({ status: 'fail', fix: 'apt-get install qemu-system-x86' });
    expect(noQemu[0]!.detail).toContain('qemu-system-x86_64 is not on PATH');
  });

  it('auto on a host without usable KVM uses QEMU and says why Firecracker was not picked; no Firecracker rows', async () => {
    const noFc = await checkVmm(ports({ accel: PVM, missing: ['firecracker'], vhostVsock: false, dm: { control: false, driver: false, dmsetup: null } }));
    expect(noFc).toEqual([
      expect.objectContaining({
        status: 'pass',
        detail: 'vmm = "auto" (default): QEMU with TCG software emulation, pc machine (virtio-pci), /usr/bin/qemu-system-x86_64 (firecracker not installed)',
      }),
    ]);
    const fcButPvm = await checkVmm(ports({ accel: PVM }));
    expect(fcButPvm[0]!.detail).toContain('(firecracker is installed but needs usable KVM (/dev/kvm: kvm_pvm))');
    expect(fcButPvm[0]!.facts).toMatchObject({ chosen: 'qemu' });
    // On a KVM host without firecracker, installing it would change the choice: an optional warn.
    const kvmNoFc = await checkVmm(ports({ missing: ['firecracker'] }));
    expect(kvmNoFc[0]).toMatchObject({ status: 'warn', detail: expect.stringContaining('firecracker not installed, so VMs use QEMU') });
    expect(kvmNoFc[0]!.fix).toContain('optional: install firecracker');
    const neither = await checkVmm(ports({ accel: PVM, missing: ['firecracker', 'qemu-system-x86_64'] }));
    expect(neither[0]).toMatchObject({ status: 'fail', fix: 'apt-get install qemu-system-x86' });
  });

  it('a broken config.toml fails the VMM row with the config error and its fix; the rest of the report goes on', async () => {
    const rows = await runDoctor({
      ...ports(),
      vmmConfig: async () => {
        throw new InvalidInputError(`config key "vmm" in ${CONFIG} is invalid: bad enum`, { hint: `fix the value in ${CONFIG}` });
      },
    });
    expect(row(rows, 'vmm')).toMatchObject({ status: 'fail', title: 'VMM', fix: `fix the value in ${CONFIG}` });
    expect(rows.some((r) => r.id.startsWith('firecracker-'))).toBe(false);
    expect(row(rows, 'vm-defaults').status).toBe('pass');
  });
});

describe('doctor VMM check with the jailer configured', () => {
  it('firecracker selected with a jailer root cannot trust: a fail row naming the chown', async () => {
    const rows = await checkVmm(healthyDoctorPorts({
      vmmConfig: async () => ({ setting: 'firecracker', qemuMachine: 'auto', source: 'config', configFile: CONFIG }),
      firecrackerSetup: async () => ({
        jailer: '/home/u/jailer',
        problems: [{ id: 'jailer-binary', severity: 'fail', detail: 'the root helper runs the jailer as root, but /home/u/jailer is owned by uid 1000', fix: 'sudo chown root:root /home/u/jailer && sudo chmod 0755 /home/u/jailer' }],
      }),
    }));
    expect(rows.map((r) => r.id)).toEqual(['vmm', 'firecracker-kvm', 'firecracker-vsock', 'firecracker-dm', 'jailer-binary']);
    expect(rows.at(-1)).toMatchObject({ title: 'firecracker jailer', status: 'fail', fix: 'sudo chown root:root /home/u/jailer && sudo chmod 0755 /home/u/jailer' });
  });
});
