import type { Command } from 'commander';

/** `vm snapshot list` for that leaf command: the names from the top, without `banger` (the envelope's `command`). */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
