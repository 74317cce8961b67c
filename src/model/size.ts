/** Size parsing and formatting: binary units, K/M/G/T suffixes, bounded. */

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** Largest disk banger will create: 2 TiB. */
export const MAX_DISK_BYTES = 2 * 1024 ** 4;

export class SizeParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SizeParseError';
  }
}

/**
 * Parses "512M", "8G", "1.5G", "1024" (bytes), "4GiB", "100k". Case-insensitive.
 * Throws SizeParseError with a message that names the accepted forms.
 */
export function parseSize(raw: string, opts: { max?: number; min?: number; what?: string } = {}): number {
  const what = opts.what ?? 'size';
  const max = opts.max ?? MAX_DISK_BYTES;
  const min = opts.min ?? 1;
  const text = raw.trim().toUpperCase();
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?$/.exec(text);
  if (!m) {
    throw new SizeParseError(`${what} ${JSON.stringify(raw)} is not a size; use a number with K, M, G or T, e.g. "8G"`);
  }
  const value = Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1);
  const bytes = Math.floor(value);
  if (!Number.isFinite(bytes) || bytes < min) {
    throw new SizeParseError(`${what} ${raw} is too small; the minimum is ${formatSize(min)}`);
  }
  if (bytes > max) {
    throw new SizeParseError(`${what} ${raw} is too large; the maximum is ${formatSize(max)}`);
  }
  return bytes;
}

/** Formats bytes compactly: exact units when they divide ("8G"), else one decimal ("1.5G"). */
export function formatSize(bytes: number): string {
  if (bytes === 0) return '0';
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    const mult = UNITS[unit]!;
    if (bytes >= mult) {
      const v = bytes / mult;
      return Number.isInteger(v) ? `${v}${unit}` : `${v.toFixed(1)}${unit}`;
    }
  }
  return `${bytes}B`;
}

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;
