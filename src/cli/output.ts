import { formatErrorLines } from '../errors/index.js';
import type { CommandOutput } from './commands/types.js';
import { writeFd } from './fd-write.js';
import { resultsEnvelope, serialize, successEnvelope } from './envelope.js';

export interface PrintOptions {
  json: boolean;
  /** The command path (`vm snapshot list`), the envelope's `command`. @default '' */
  command?: string;
  /** @default process.stdout */
  write?: (text: string) => void;
  /** Where per-name failures of a NAME... command go in human mode. @default process.stderr */
  writeErr?: (text: string) => void;
}

/**
 * The one way a command's result reaches stdout: the versioned envelope with
 * --json, else the human text (and, for NAME... commands, one
 * `banger: NAME: message` line per failed name on stderr). Returns the exit
 * code: the command's own, or the first failed name's.
 */
export function print(result: CommandOutput, opts: PrintOptions): number {
  const write = opts.write ?? ((t: string) => writeFd(1, t));
  const writeErr = opts.writeErr ?? ((t: string) => writeFd(2, t));
  const command = opts.command ?? '';
  const results = result.results;
  if (opts.json) {
    write(serialize(results ? resultsEnvelope(command, results) : successEnvelope(command, result.data)));
  } else {
    if (result.human !== '') write(result.human.endsWith('\n') ? result.human : `${result.human}\n`);
    for (const r of results ?? []) {
      if (!r.ok) for (const line of formatErrorLines(r.error, `banger: ${r.target}`)) writeErr(`${line}\n`);
    }
  }
  const failed = results?.find((r) => !r.ok);
  if (failed && !failed.ok) return failed.error.exitCode;
  return result.exitCode ?? 0;
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
