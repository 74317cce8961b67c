import type { PortRow } from '../../model/index.js';

/** Plain-text table: PROTO ENDPOINT PROCESS COMMAND. */
export function formatPortsTable(rows: readonly PortRow[]): string {
  const header = ['PROTO', 'ENDPOINT', 'PROCESS', 'COMMAND'];
  const body = rows.map((r) => [r.proto, r.loopbackOnly ? `${r.endpoint} (guest only)` : r.endpoint, r.process, r.command]);
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
