import { describe, expect, it } from 'vitest';
import { BUILTIN_VM_DEFAULTS, parseConfig, resolveVmDefaults } from '../../../src/config/index.js';

const GiB = 1024 ** 3;

describe('resolveVmDefaults', () => {
  it('uses the host heuristic when it beats the floor', () => {
    const d = resolveVmDefaults(parseConfig(''), { cpuCount: 16, memoryBytes: 32 * GiB });
    expect(d.vcpu).toEqual({ value: 4, from: 'auto' });
    expect(d.memoryMiB).toEqual({ value: 4096, from: 'auto' });
    expect(d.diskSizeBytes).toEqual({ value: BUILTIN_VM_DEFAULTS.diskSizeBytes, from: 'builtin' });
  });

  it('caps the heuristic at 4 vcpu and 8 GiB', () => {
    const d = resolveVmDefaults(parseConfig(''), { cpuCount: 128, memoryBytes: 512 * GiB });
    expect(d.vcpu.value).toBe(4);
    expect(d.memoryMiB.value).toBe(8192);
  });

  it('falls back to the built-in floor on a small host', () => {
    const d = resolveVmDefaults(parseConfig(''), { cpuCount: 2, memoryBytes: 4 * GiB });
    expect(d.vcpu).toEqual({ value: 1, from: 'builtin' });
    expect(d.memoryMiB).toEqual({ value: 1024, from: 'builtin' });
  });

  it('config wins over everything, memory as MiB or size string', () => {
    const cfg = parseConfig('[vm_defaults]\nvcpu = 3\nmemory = "1536M"\ndisk_size = "20G"\noverlay_size = "2G"');
    const d = resolveVmDefaults(cfg, { cpuCount: 64, memoryBytes: 256 * GiB });
    expect(d).toEqual({
      vcpu: { value: 3, from: 'config' },
      memoryMiB: { value: 1536, from: 'config' },
      diskSizeBytes: { value: 20 * GiB, from: 'config' },
      overlaySizeBytes: { value: 2 * GiB, from: 'config' },
    });
    expect(resolveVmDefaults(parseConfig('[vm_defaults]\nmemory = 777')).memoryMiB).toEqual({ value: 777, from: 'config' });
  });
});
