/** Parses "90s", "15m", "2h", "1d", "500ms" or "0" (off) into milliseconds; null when malformed. */
export function parseDuration(raw: string): number | null {
  const text = raw.trim();
  if (text === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (!m) return null;
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * mult);
}
