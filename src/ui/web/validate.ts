/**
 * The create form's checks, the CLI's rules so the user hears about a bad
 * field before the round trip (the daemon checks again and its word wins).
 */
import type { CreateVmBody } from '../contract.js';
import { MEMORY_MIB_LIMITS, VCPU_LIMITS } from '../../model/limits.js';
import { parseDiskSize, SizeParseError } from '../../model/size.js';

/**
 * src/model/names.ts's VM_NAME_PATTERN and vmNameProblem, mirrored: that module imports node:crypto
 * (friendlyName) so it cannot be bundled. A unit test keeps the two patterns equal.
 */
export const VM_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const VM_NAME_MAX = 63;

/** The daemon's hint for a bad name (machines/supervisor/service.ts create), so the form reads like its refusal. */
export const VM_NAME_HINT = 'use 1-63 lowercase letters, digits and inner hyphens, e.g. --name dev-1';

export function vmNameProblem(name: string): string | null {
  if (name.length === 0) return 'VM name is empty; use letters, digits and hyphens, e.g. "dev-1"';
  if (name.length > VM_NAME_MAX) return `VM name is ${name.length} characters; the limit is ${VM_NAME_MAX} (it becomes a DNS label)`;
  if (/[A-Z]/.test(name) && VM_NAME_PATTERN.test(name.toLowerCase())) return `VM name "${name}" has uppercase letters; use "${name.toLowerCase()}"`;
  if (!VM_NAME_PATTERN.test(name)) return `VM name ${JSON.stringify(name)} is not a DNS label; use lowercase letters, digits and inner hyphens, e.g. "dev-1"`;
  return null;
}

export interface CreateFields {
  name: string;
  image: string;
  vcpu: string;
  memoryMiB: string;
  diskSize: string;
  nat: boolean;
}

export type FieldErrors = Partial<Record<keyof CreateFields, string>>;

function intField(raw: string, what: string, lim: { min: number; max: number }): { value?: number; error?: string } {
  const t = raw.trim();
  if (t === '') return {};
  if (!/^\d+$/.test(t)) return { error: `${what} ${JSON.stringify(raw)} is not a whole number` };
  const n = Number(t);
  if (n < lim.min || n > lim.max) return { error: `${what} ${n} is out of range; use ${lim.min} to ${lim.max}` };
  return { value: n };
}

/** Empty fields are left out: the daemon applies its defaults (and a friendly name). */
export function validateCreate(f: CreateFields): { body?: CreateVmBody; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const body: CreateVmBody = {};
  const name = f.name.trim();
  if (name) {
    const problem = vmNameProblem(name);
    if (problem) errors.name = `${problem} — ${VM_NAME_HINT}`;
    else body.name = name;
  }
  if (f.image) body.image = f.image;
  const vcpu = intField(f.vcpu, 'vCPU count', VCPU_LIMITS);
  if (vcpu.error) errors.vcpu = vcpu.error;
  else if (vcpu.value !== undefined) body.vcpu = vcpu.value;
  const mem = intField(f.memoryMiB, 'memory (MiB)', MEMORY_MIB_LIMITS);
  if (mem.error) errors.memoryMiB = mem.error;
  else if (mem.value !== undefined) body.memoryMiB = mem.value;
  const disk = f.diskSize.trim();
  if (disk) {
    try {
      // The one size grammar and bounds of --disk-size (docs/cli/sizes.md): a bare number is MiB.
      parseDiskSize(disk, 'disk size');
      body.diskSize = disk;
    } catch (e) {
      errors.diskSize = e instanceof SizeParseError ? `${e.message}; ${e.hint ?? ''}` : String(e);
    }
  }
  if (f.nat) body.nat = true;
  return Object.keys(errors).length ? { errors } : { body, errors };
}

/** Snapshot names follow VM names' rule; empty means "let the daemon name it". */
export function snapshotNameProblem(name: string): string | null {
  if (name === '') return null;
  return VM_NAME_PATTERN.test(name) ? null : `snapshot name ${JSON.stringify(name)} must be lowercase letters, digits and inner hyphens`;
}
