import type { Command } from 'commander';
import { InvalidInputError, UsageError } from '../../../errors/index.js';
import { GiB, MAX_DISK_BYTES, MEMORY_MIB_LIMITS, MiB, SNAPSHOT_NAME_PATTERN, SizeParseError, VCPU_LIMITS, parseForwardSpec, parseSize, vmNameProblem } from '../../../model/index.js';
import type { ForwardSpec } from '../../../model/index.js';

/**
 * Sizing flags shared by `vm create`, `vm run` and `vm set`, checked here so a
 * typo fails before the daemon starts or an image builds. The daemon checks
 * again: it is the authority, this is the fast path to a good message.
 */
const MAX_VCPU = VCPU_LIMITS.max;
const MAX_MEMORY_MIB = MEMORY_MIB_LIMITS.max;
const MIN_MEMORY_MIB = MEMORY_MIB_LIMITS.min;

/** `nat: 'none'` for commands that size a VM but give it no network (`image warm`). */
export function addSizingOptions(cmd: Command, opts: { nat: 'flag' | 'both' | 'none' } = { nat: 'flag' }): void {
  cmd
    .option('--vcpu <n>', `virtual CPUs (1-${MAX_VCPU})`)
    .option('--memory <mib>', 'memory in MiB, or a size like 2G')
    .option('--disk-size <size>', 'work disk (/root) size, e.g. 8G');
  if (opts.nat === 'both') cmd.option('--nat', 'give the VM outbound NAT').option('--no-nat', 'remove outbound NAT');
  else if (opts.nat === 'flag') cmd.option('--nat', 'give the VM outbound NAT');
}

export interface Sizing {
  vcpu?: number;
  memoryMiB?: number;
  diskSize?: string;
  overlaySize?: string;
  nat?: boolean;
}

export function parseSizing(opts: Record<string, unknown>): Sizing {
  const out: Sizing = {};
  if (opts.vcpu !== undefined) out.vcpu = parseVcpu(String(opts.vcpu));
  if (opts.memory !== undefined) out.memoryMiB = parseMemory(String(opts.memory));
  if (opts.diskSize !== undefined) out.diskSize = checkSize(String(opts.diskSize), '--disk-size', GiB / 4);
  if (opts.overlaySize !== undefined) out.overlaySize = checkSize(String(opts.overlaySize), '--overlay-size', GiB / 4);
  if (typeof opts.nat === 'boolean') out.nat = opts.nat;
  return out;
}

export function parseVcpu(raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`--vcpu ${JSON.stringify(raw)} is not a whole number`, { code: 'vm.vcpu_invalid', hint: `use 1 to ${MAX_VCPU}, e.g. --vcpu 2` });
  const n = Number(raw);
  if (n < 1 || n > MAX_VCPU) throw new InvalidInputError(`--vcpu ${n} is out of range`, { code: 'vm.vcpu_range', hint: `use 1 to ${MAX_VCPU}, e.g. --vcpu 2` });
  return n;
}

export function parseMemory(raw: string): number {
  const text = raw.trim();
  let mib: number;
  if (/^\d+$/.test(text)) mib = Number(text);
  else {
    try {
      mib = Math.floor(parseSize(text, { what: '--memory', max: Number.MAX_SAFE_INTEGER }) / MiB);
    } catch (err) {
      throw new UsageError(`--memory ${JSON.stringify(raw)} is not a size`, { code: 'vm.memory_invalid', hint: 'give MiB (--memory 2048) or a size (--memory 2G)', cause: err });
    }
  }
  if (mib < MIN_MEMORY_MIB || mib > MAX_MEMORY_MIB) {
    throw new InvalidInputError(`--memory ${raw} is out of range`, { code: 'vm.memory_range', hint: `use ${MIN_MEMORY_MIB} MiB to ${MAX_MEMORY_MIB / 1024} GiB, e.g. --memory 2048` });
  }
  return mib;
}

function checkSize(raw: string, flag: string, min: number): string {
  try {
    parseSize(raw, { what: flag, min, max: MAX_DISK_BYTES });
    return raw;
  } catch (err) {
    if (err instanceof SizeParseError) throw new InvalidInputError(err.message, { code: 'vm.size', hint: `e.g. ${flag} 8G` });
    throw err;
  }
}

export function checkName(name: string): string {
  const problem = vmNameProblem(name);
  if (problem) throw new InvalidInputError(problem, { code: 'vm.name_invalid', hint: 'e.g. --name dev-1' });
  return name;
}

/** A new snapshot's name: the same rule as VM names (lowercase, digits, inner hyphens, at most 63). */
export function checkSnapshotName(name: string): string {
  if (SNAPSHOT_NAME_PATTERN.test(name)) return name;
  const lower = name.toLowerCase();
  const problem = SNAPSHOT_NAME_PATTERN.test(lower)
    ? `snapshot name "${name}" has uppercase letters; use "${lower}"`
    : `snapshot name ${JSON.stringify(name)} is not valid; use lowercase letters, digits and inner hyphens (at most 63)`;
  throw new InvalidInputError(problem, { code: 'snapshot.name_invalid', hint: 'e.g. --name before-upgrade' });
}

/** `-p/--publish` as Docker has it, repeatable; parsed by `parsePublish`. */
export function addPublishOption(cmd: Command): void {
  cmd.option(
    '-p, --publish <spec>',
    'forward a host port to the VM: [HOST_IP:]HOST_PORT:GUEST_PORT[/udp], or GUEST_PORT alone (repeatable; host address 127.0.0.1 unless given)',
    (value: string, prev: string[] | undefined) => [...(prev ?? []), value],
  );
}

/** The `-p` specs, parsed (a malformed one is a usage error before anything is created). */
export function parsePublish(opts: Record<string, unknown>): { publish?: ForwardSpec[] } {
  const raw = Array.isArray(opts.publish) ? (opts.publish as string[]) : [];
  return raw.length ? { publish: raw.map((s) => parseForwardSpec(s)) } : {};
}
