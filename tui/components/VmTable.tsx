import { Box, Text } from 'ink';
import type { VMRecord } from '../../src/model/index.js';
import { useTint } from '../colors.js';
import { STATE_COLOR, toRow, visibleColumns, type ImageNames } from '../format.js';

export interface VmTableProps {
  /** The rows to show (already filtered). */
  vms: VMRecord[];
  selected: number;
  width: number;
  now: number;
  images: ImageNames;
  /** Shown instead of rows when there are none. */
  empty: string;
}

function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text.padEnd(width);
}

export function VmTable({ vms, selected, width, now, images, empty }: VmTableProps) {
  const tint = useTint();
  const cols = visibleColumns(width);
  const rows = vms.map((v) => toRow(v, now, images));
  const widths = cols.map((c) => Math.max(c.min, c.title.length, ...rows.map((r) => r[c.key].length)));
  return (
    <Box flexDirection="column">
      <Text bold>{'  ' + cols.map((c, i) => cell(c.title, widths[i]!)).join('  ')}</Text>
      {rows.length === 0 ? <Text dimColor>  {empty}</Text> : null}
      {rows.map((r, idx) => (
        <Box key={vms[idx]!.id}>
          {/* Inverse and the marker, not colour, show the selection: it stays visible under NO_COLOR. */}
          <Text inverse={idx === selected}>{idx === selected ? '> ' : '  '}</Text>
          {cols.map((c, i) => (
            <Text key={c.key} inverse={idx === selected} color={c.key === 'state' ? tint(STATE_COLOR[r.state]) : undefined}>
              {cell(r[c.key], widths[i]!) + (i < cols.length - 1 ? '  ' : '')}
            </Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
