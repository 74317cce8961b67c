import { cpus, totalmem } from 'node:os';
import { GiB, MiB, parseDiskSize, parseMemoryMiB } from '../model/index.js';
import type { Config } from './schema.js';

export type Provenance = 'config' | 'auto' | 'builtin';

export interface Resolved<T> {
  value: T;
  from: Provenance;
}

/** VM sizing defaults, each with where it came from (shown by `vm create` and doctor). */
export interface VmDefaults {
  vcpu: Resolved<number>;
  memoryMiB: Resolved<number>;
  diskSizeBytes: Resolved<number>;
  overlaySizeBytes: Resolved<number>;
}

export interface HostFacts {
  cpuCount: number;
  memoryBytes: number;
}

/** Floors: never hand a VM less than this, whatever the host looks like. */
export const BUILTIN_VM_DEFAULTS = {
  vcpu: 1,
  memoryMiB: 1024,
  diskSizeBytes: 8 * GiB,
  overlaySizeBytes: 8 * GiB,
} as const;

const AUTO_VCPU_CAP = 4;
const AUTO_MEMORY_CAP_MIB = 8 * 1024;

export function hostFacts(): HostFacts {
  return { cpuCount: cpus().length, memoryBytes: totalmem() };
}

/**
 * config > host heuristic (vcpu = cpus/4 capped at 4, memory = RAM/8 capped at
 * 8 GiB) > built-in floor. The heuristic wins only when it beats the floor, so
 * a small host still gets usable VMs.
 */
export function resolveVmDefaults(config: Pick<Config, 'vm_defaults'>, host: HostFacts = hostFacts()): VmDefaults {
  const d = config.vm_defaults;
  const autoVcpu = Math.min(AUTO_VCPU_CAP, Math.floor(host.cpuCount / 4));
  const autoMem = Math.min(AUTO_MEMORY_CAP_MIB, Math.floor(host.memoryBytes / 8 / MiB));
  return {
    vcpu: d.vcpu !== undefined ? { value: d.vcpu, from: 'config' } : pick(autoVcpu, BUILTIN_VM_DEFAULTS.vcpu),
    memoryMiB:
      d.memory !== undefined
        ? { value: parseMemoryMiB(d.memory, 'vm_defaults.memory'), from: 'config' }
        : pick(autoMem, BUILTIN_VM_DEFAULTS.memoryMiB),
    diskSizeBytes:
      d.disk_size !== undefined
        ? { value: parseDiskSize(d.disk_size, 'vm_defaults.disk_size'), from: 'config' }
        : { value: BUILTIN_VM_DEFAULTS.diskSizeBytes, from: 'builtin' },
    overlaySizeBytes:
      d.overlay_size !== undefined
        ? { value: parseDiskSize(d.overlay_size, 'vm_defaults.overlay_size'), from: 'config' }
        : { value: BUILTIN_VM_DEFAULTS.overlaySizeBytes, from: 'builtin' },
  };
}

function pick(auto: number, floor: number): Resolved<number> {
  return auto > floor ? { value: auto, from: 'auto' } : { value: floor, from: 'builtin' };
}
