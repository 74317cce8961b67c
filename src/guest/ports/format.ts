import type { PortRow } from '../../model/index.js';

/**
 * Plain-text table: PROTO ENDPOINT FORWARD PROCESS COMMAND. The FORWARD column
 * (what to open on the host through a port forward) appears only when a row has one.
 */
export function formatPortsTable(rows: readonly PortRow[]): string {
  const forwards = rows.some((r) => r.forwardEndpoint !== undefined);
  const header = ['PROTO', 'ENDPOINT', ...(forwards ? ['FORWARD'] : []), 'PROCESS', 'COMMAND'];
  const body = rows.map((r) => [
    r.proto,
    r.loopbackOnly ? `${r.endpoint} (guest only)` : r.endpoint,
    ...(forwards ? [r.forwardEndpoint === undefined ? '-' : `${r.forwardEndpoint}${r.forwardDown ? ' (not listening)' : ''}`] : []),
    r.process,
    r.command,
  ]);
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
