import type { CommandOutput } from './commands/types.js';

export interface PrintOptions {
  json: boolean;
  write?: (text: string) => void;
}

/** The one way commands reach stdout: JSON of `data` with --json, else the human text. */
export function print(result: CommandOutput, opts: PrintOptions): void {
  const write = opts.write ?? ((t: string) => void process.stdout.write(t));
  const text = opts.json ? JSON.stringify(result.data, null, 2) : result.human;
  if (text !== '') write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Left-aligned columns separated by two spaces; header in capitals. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n');
}

/** `key: value` lines with aligned values, skipping undefined. */
export function renderFields(fields: readonly [string, string | number | boolean | undefined][]): string {
  const shown = fields.filter((f): f is [string, string | number | boolean] => f[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${String(v)}`).join('\n');
}

/** "3m ago" style age from an ISO timestamp. */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(s)) return '?';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}
