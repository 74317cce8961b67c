import { describe, expect, it } from 'vitest';
import { chooseQemuMachine, describeQemuMachine, machineKernelArgs, parseCpuMhz } from '../../../../src/vmm/qemu/machine.js';

describe('QEMU machine choice', () => {
  it('auto: microvm under KVM, pc under TCG; a setting wins', () => {
    expect(chooseQemuMachine('auto', 'kvm')).toBe('microvm');
    expect(chooseQemuMachine('auto', 'tcg')).toBe('pc');
    expect(chooseQemuMachine('microvm', 'tcg')).toBe('microvm');
    expect(chooseQemuMachine('pc', 'kvm')).toBe('pc');
  });

  it('microvm under TCG is told the TSC rate; nothing else needs kernel arguments', () => {
    expect(machineKernelArgs('microvm', 'tcg', 2_596_136)).toBe('tsc_early_khz=2596136 tsc=reliable');
    expect(machineKernelArgs('microvm', 'tcg', undefined)).toBe('tsc_early_khz=2000000 tsc=reliable');
    expect(machineKernelArgs('microvm', 'kvm', 2_596_136)).toBeUndefined();
    expect(machineKernelArgs('pc', 'tcg', 2_596_136)).toBeUndefined();
  });

  it('reads the host rate from /proc/cpuinfo', () => {
    expect(parseCpuMhz('processor\t: 0\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.136\ncache size\t: 512 KB\n')).toBe(2_596_136);
    expect(parseCpuMhz('processor\t: 0\n')).toBeUndefined();
    expect(parseCpuMhz('cpu MHz\t\t: 0.000\n')).toBeUndefined();
  });

  it('describes itself for doctor', () => {
    expect(describeQemuMachine('microvm', 'tcg')).toBe('TCG software emulation, microvm machine (virtio-mmio)');
    expect(describeQemuMachine('pc', 'kvm')).toBe('KVM, pc machine (virtio-pci)');
  });
});
