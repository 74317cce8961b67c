import type { Command } from 'commander';
import { InvalidInputError, UsageError } from '../../../errors/index.js';
import { SNAPSHOT_NAME_PATTERN, SizeParseError, VCPU_LIMITS, flagExample, parseDiskSize, parseForwardSpec, parseMemoryMiB, vmNameProblem } from '../../../model/index.js';
import type { ForwardSpec } from '../../../model/index.js';

/**
 * Sizing flags shared by `vm create`, `vm run` and `vm set`, checked here so a
 * typo fails before the daemon starts or an image builds. The daemon checks
 * again: it is the authority, this is the fast path to a good message.
 */
const MAX_VCPU = VCPU_LIMITS.max;

/** Each size flag's help ends with the grammar (docs/cli/sizes.md), so `--help` alone explains "2048" vs "2G". */
export const SIZE_HELP = 'K/M/G/T or KiB/MiB/GiB/TiB, binary; a bare number is MiB';

/** `nat: 'none'` for commands that size a VM but give it no network (`image warm`). */
export function addSizingOptions(cmd: Command, opts: { nat: 'flag' | 'both' | 'none' } = { nat: 'flag' }): void {
  cmd
    .option('--vcpu <n>', `virtual CPUs (1-${MAX_VCPU})`)
    .option('--memory <size>', `guest memory, e.g. 2G (${SIZE_HELP})`)
    .option('--disk-size <size>', `work disk (/root) size, e.g. 8G (${SIZE_HELP})`);
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
  if (opts.diskSize !== undefined) out.diskSize = checkSize(String(opts.diskSize), '--disk-size');
  if (opts.overlaySize !== undefined) out.overlaySize = checkSize(String(opts.overlaySize), '--overlay-size');
  if (typeof opts.nat === 'boolean') out.nat = opts.nat;
  return out;
}

export function parseVcpu(raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`--vcpu ${JSON.stringify(raw)} is not a whole number`, { code: 'vm.vcpu_invalid', hint: `use 1 to ${MAX_VCPU}, e.g. --vcpu 2` });
  const n = Number(raw);
  if (n < 1 || n > MAX_VCPU) throw new InvalidInputError(`--vcpu ${n} is out of range`, { code: 'vm.vcpu_range', hint: `use 1 to ${MAX_VCPU}, e.g. --vcpu 2` });
  return n;
}

/** `--memory`: a size in the one grammar, returned as whole MiB (what the daemon takes). */
export function parseMemory(raw: string): number {
  return asFlagError(() => parseMemoryMiB(raw, '--memory', flagExample('--memory')), 'vm.memory_range');
}

/** `--disk-size`/`--overlay-size`: checked here, sent as the string the user typed (the daemon parses it the same way). */
function checkSize(raw: string, flag: string): string {
  asFlagError(() => parseDiskSize(raw, flag, flagExample(flag)), 'vm.size');
  return raw;
}

/**
 * A value that is not a size is a usage error (exit 2), one that is a size but out of range
 * is invalid input (exit 1), as for every other flag; the size parser's hint is kept.
 */
function asFlagError<T>(parse: () => T, rangeCode: string): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof SizeParseError)) throw err;
    if (err.code === 'size.invalid') throw new UsageError(err.message, { code: 'usage.invalid_value', ...(err.hint ? { hint: err.hint } : {}), cause: err });
    throw new InvalidInputError(err.message, { code: rangeCode, ...(err.hint ? { hint: err.hint } : {}), cause: err });
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
