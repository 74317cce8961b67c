import { Box, Text } from 'ink';
import { hintLine } from '../key-bindings.js';

/** The last lines of the serial console that fit the terminal. */
export function LogView({ name, text, height }: { name: string; text: string; height: number }) {
  const lines = text.split('\n');
  const shown = lines.slice(-Math.max(3, height - 4));
  return (
    <Box flexDirection="column">
      <Text bold>console log: {name}</Text>
      {shown.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {l}
        </Text>
      ))}
      <Text dimColor>{hintLine('logs')} (refreshes every second)</Text>
    </Box>
  );
}
