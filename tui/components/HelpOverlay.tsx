import { Box, Text } from 'ink';
import { helpSections, type HelpSection } from '../key-bindings.js';

/** Lines a section takes: its title and one per key. */
const height = (s: HelpSection): number => 1 + s.rows.length;

/**
 * Every key binding, generated from the one table in key-bindings.ts. Two
 * columns (the first filled to about half the lines) so it fits a 24-line terminal.
 */
export function HelpOverlay() {
  const sections = helpSections().filter((s) => s.rows.length > 0);
  const total = sections.reduce((n, s) => n + height(s), 0);
  const left: HelpSection[] = [];
  let used = 0;
  for (const s of sections) {
    if (used > 0 && used + height(s) > Math.ceil(total / 2) + 2) break;
    left.push(s);
    used += height(s);
  }
  const right = sections.slice(left.length);
  const keysWidth = Math.max(...sections.flatMap((s) => s.rows.map((r) => r.keys.length))) + 1;
  const column = (list: HelpSection[]) => (
    <Box flexDirection="column" marginRight={3}>
      {list.map((s) => (
        <Box key={s.title} flexDirection="column">
          <Text bold>{s.title}</Text>
          {s.rows.map((r) => (
            <Text key={`${s.title}:${r.keys}`}>
              {' '}
              {r.keys.padEnd(keysWidth)}
              {r.does}
            </Text>
          ))}
        </Box>
      ))}
    </Box>
  );
  return (
    <Box flexDirection="column">
      <Text bold>keys</Text>
      <Box>
        {column(left)}
        {column(right)}
      </Box>
      <Text dimColor>? or esc closes this help</Text>
    </Box>
  );
}
