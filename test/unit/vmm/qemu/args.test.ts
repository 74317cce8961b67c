import { describe, expect, it } from 'vitest';
import { buildQemuArgs, qemuEscape } from '../../../../src/vmm/qemu/args.js';
import type { VmmLaunchSpec } from '../../../../src/model/vmm.js';

const spec: VmmLaunchSpec = {
  vmId: '0123456789abcdef0123456789abcdef',
  name: 'dev',
  vcpuCount: 2,
  memoryMiB: 1024,
  kernelPath: '/img/vmlinuz',
  initrdPath: '/img/initrd.img',
  kernelArgs: 'console=ttyS0 quiet',
  rootDisk: { path: '/vm/system.qcow2', format: 'qcow2' },
  workDisk: { path: '/vm/work,1.ext4', format: 'raw' },
  network: { tap: 'tap-b1', mac: '06:00:AC:10:00:02' },
  apiSockPath: '/run/vm/qmp.sock',
  agentSockPath: '/run/vm/agent.sock',
  logPath: '/vm/console.log',
};

const after = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('buildQemuArgs', () => {
  it('TCG: pc machine with virtio-pci devices, no reboot, QMP and agent sockets', () => {
    const a = buildQemuArgs(spec, { accel: 'tcg', pidFile: '/run/vm/qemu.pid' });
    expect(after(a, '-accel')).toEqual(['tcg']);
    expect(after(a, '-machine')).toEqual(['pc']);
    expect(a).toContain('-no-reboot');
    expect(a).toContain('-nodefaults');
    expect(after(a, '-device')).toEqual([
      'virtio-blk-pci,drive=root',
      'virtio-blk-pci,drive=work',
      'virtio-net-pci,netdev=net0,mac=06:00:AC:10:00:02',
      'virtio-rng-pci',
      'virtio-serial-pci',
      'virtserialport,chardev=agent,name=org.banger.agent',
    ]);
    expect(after(a, '-drive')[1]).toContain('file=/vm/work,,1.ext4,format=raw');
    expect(after(a, '-netdev')).toEqual(['tap,id=net0,ifname=tap-b1,script=no,downscript=no']);
    expect(after(a, '-qmp')).toEqual(['unix:/run/vm/qmp.sock,server=on,wait=off']);
    expect(after(a, '-append')).toEqual(['console=ttyS0 quiet']);
    expect(after(a, '-pidfile')).toEqual(['/run/vm/qemu.pid']);
  });

  it('KVM: microvm with ACPI and virtio-mmio devices', () => {
    const a = buildQemuArgs({ ...spec, workDisk: undefined, network: undefined, initrdPath: undefined }, { accel: 'kvm', pidFile: '/p' });
    expect(after(a, '-machine')[0]).toMatch(/^microvm,.*acpi=on/);
    expect(after(a, '-cpu')).toEqual(['host']);
    expect(after(a, '-device')).toEqual([
      'virtio-blk-device,drive=root',
      'virtio-rng-device',
      'virtio-serial-device',
      'virtserialport,chardev=agent,name=org.banger.agent',
    ]);
    expect(a).not.toContain('-initrd');
    expect(a).not.toContain('-netdev');
  });

  it('microvm under TCG: the same virtio-mmio devices with TCG and no -cpu host; pc under KVM when asked', () => {
    const a = buildQemuArgs({ ...spec, vmGenId: '6f1a0c5e-2b9d-4c1e-8a3f-0d2e4b6c8a10' }, { accel: 'tcg', machine: 'microvm', pidFile: '/p' });
    expect(after(a, '-accel')).toEqual(['tcg']);
    expect(a).not.toContain('-cpu');
    expect(after(a, '-machine')[0]).toMatch(/^microvm,.*pit=off.*acpi=on/);
    expect(after(a, '-device').filter((d) => d.includes('pci') || d.startsWith('vmgenid'))).toEqual([]);
    const pc = buildQemuArgs(spec, { accel: 'kvm', machine: 'pc', pidFile: '/p' });
    expect(after(pc, '-machine')).toEqual(['pc']);
    expect(after(pc, '-cpu')).toEqual(['host']);
    expect(after(pc, '-device')[0]).toBe('virtio-blk-pci,drive=root');
  });

  it('doubles commas in option values', () => {
    expect(qemuEscape('a,b,,c')).toBe('a,,b,,,,c');
  });
});
