/**
 * banger's one size grammar (docs/cli/sizes.md), used by every flag, config
 * key, RPC param and form field that takes a size:
 *
 *   SIZE   = NUMBER [UNIT]            spaces between them allowed, case-insensitive
 *   NUMBER = digits [ "." digits ]
 *   UNIT   = B | K | M | G | T, each optionally followed by "iB" or "B" (KiB, KB, MiB, GB, ...)
 *
 * Every unit is binary (1K = 1024 bytes, 1G = 1024 MiB), "GB" included, as in
 * QEMU and free(1). A bare number is MiB, whatever the value sizes: that was
 * already true of `--memory 2048` and `memory = 2048`, it is the unit QEMU's
 * `-m` and Firecracker's `mem_size_mib` use, and bytes are never a useful
 * granularity for a VM's memory or disks. Because a bare number is the one
 * form that can surprise (`--disk-size 10` meaning 10G), an out-of-range bare
 * number is refused with a hint to add the unit.
 */
import { InvalidInputError } from '../errors/index.js';
import { DISK_SIZE_LIMITS, MEMORY_MIB_LIMITS } from './limits.js';

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

/** Largest disk banger will create: 2 TiB. */
export const MAX_DISK_BYTES = DISK_SIZE_LIMITS.max;

const UNITS: Record<string, number> = { B: 1, K: 1024, M: MiB, G: GiB, T: 1024 ** 4 };

const GRAMMAR = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:I?B)?|(B))?$/i;

/** The accepted forms in one line, for hints and help texts. */
const SIZE_FORMS = 'a number with K, M, G or T (binary: 1G = 1024M); a bare number is MiB';

/**
 * A size that does not parse or is out of range; `hint` names the fix. `detail` is the message
 * without the leading name ("10 (a bare number is MiB) is less than the minimum 256M"), for
 * callers that name the value their own way (config errors: `vm_defaults.disk_size: ...`).
 */
export class SizeParseError extends InvalidInputError {
  constructor(
    readonly what: string,
    readonly detail: string,
    opts: { code: string; hint: string },
  ) {
    super(`${what} ${detail}`, opts);
  }
}

interface SizeRule {
  /** What the value is called in messages: "--disk-size", "vm_defaults.memory", "disk size". @default "size" */
  what?: string;
  /** Smallest accepted value in bytes. @default 1 */
  min?: number;
  /** Largest accepted value in bytes. @default MAX_DISK_BYTES */
  max?: number;
  /** How a good value is written where `what` is set, for hints: "--disk-size 8G", 'disk_size = "8G"'. @default "8G" */
  example?: (value: string) => string;
}

/**
 * Parses a size into bytes. Accepts a string in the grammar above or a plain
 * number (MiB, as TOML and JSON give it).
 * @throws SizeParseError whose message names the value and whose hint shows a good one
 */
export function parseSize(raw: string | number, rule: SizeRule = {}): number {
  const what = rule.what ?? 'size';
  const min = rule.min ?? 1;
  const max = rule.max ?? MAX_DISK_BYTES;
  const example = rule.example ?? ((v: string) => v);
  const text = String(raw).trim();
  const m = GRAMMAR.exec(text);
  if (!m) {
    throw new SizeParseError(what, `${JSON.stringify(String(raw))} is not a size`, {
      code: 'size.invalid',
      hint: `give ${SIZE_FORMS}, e.g. ${example('8G')}`,
    });
  }
  const bare = m[2] === undefined && m[3] === undefined;
  const unit = bare ? MiB : UNITS[(m[2] ?? m[3] ?? 'B').toUpperCase()]!;
  const bytes = Math.floor(Number(m[1]) * unit);
  // A bare number read as MiB: say so, and suggest the unit that was probably meant.
  const shown = bare ? `${text} (a bare number is MiB)` : text;
  // "--disk-size 10" most likely meant 10G; suggest that only when 10G itself would be accepted.
  const asGiB = Number(m[1]) * GiB;
  const guess = asGiB >= min && asGiB <= max ? `${m[1]}G` : '8G';
  const withUnit = bare ? `give a unit, e.g. ${example(guess)}` : `e.g. ${example('8G')}`;
  if (bytes < min) {
    throw new SizeParseError(what, `${shown} is less than the minimum ${formatSize(min)}`, { code: 'size.too_small', hint: bare ? withUnit : `use ${formatSize(min)} or more, ${withUnit}` });
  }
  if (!Number.isSafeInteger(bytes) || bytes > max) {
    throw new SizeParseError(what, `${shown} is more than the maximum ${formatSize(max)}`, {
      code: 'size.too_large',
      hint: bare ? `${withUnit} (at most ${formatSize(max)})` : `use at most ${formatSize(max)}, e.g. ${example('8G')}`,
    });
  }
  return bytes;
}

/**
 * Parses a size that must be a whole number of MiB (guest memory), bounded in MiB.
 * @throws SizeParseError as parseSize, and for a size such as "1000K" that is not whole MiB
 */
function parseSizeMiB(raw: string | number, rule: Omit<SizeRule, 'min' | 'max'> & { minMiB: number; maxMiB: number }): number {
  const bytes = parseSize(raw, { ...rule, min: rule.minMiB * MiB, max: rule.maxMiB * MiB });
  if (bytes % MiB !== 0) {
    const example = rule.example ?? ((v: string) => v);
    throw new SizeParseError(rule.what ?? 'size', `${String(raw).trim()} is not a whole number of MiB`, { code: 'size.not_whole_mib', hint: `round it, e.g. ${example(`${Math.round(bytes / MiB)}M`)}` });
  }
  return bytes / MiB;
}

/** A work disk or system overlay size in bytes, within DISK_SIZE_LIMITS (CLI, daemon, config and form alike). */
export function parseDiskSize(raw: string | number, what: string, example?: (value: string) => string): number {
  return parseSize(raw, { what, min: DISK_SIZE_LIMITS.min, max: DISK_SIZE_LIMITS.max, ...(example ? { example } : {}) });
}

/** Guest memory in MiB, within MEMORY_MIB_LIMITS (CLI, daemon, config and form alike). */
export function parseMemoryMiB(raw: string | number, what: string, example?: (value: string) => string): number {
  return parseSizeMiB(raw, { what, minMiB: MEMORY_MIB_LIMITS.min, maxMiB: MEMORY_MIB_LIMITS.max, ...(example ? { example } : {}) });
}

/** `--disk-size 8G` for a flag, `disk_size = "8G"` for a config key: how hints show a good value. */
export const flagExample = (flag: string) => (value: string) => `${flag} ${value}`;

/**
 * Formats bytes compactly in the same grammar, so what banger prints can be
 * typed back: exact units when they divide ("8G"), else one decimal ("1.5G"),
 * bytes below 1K as "512B".
 */
export function formatSize(bytes: number): string {
  if (bytes === 0) return '0';
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    const mult = UNITS[unit]!;
    if (bytes >= mult) {
      const v = bytes / mult;
      return Number.isInteger(v) ? `${v}${unit}` : `${v.toFixed(1).replace(/\.0$/, '')}${unit}`;
    }
  }
  return `${bytes}B`;
}

/** Guest memory, which banger keeps in MiB, in the same form as every other size ("2G", "512M"). */
export function formatMiB(mib: number): string {
  return formatSize(mib * MiB);
}
