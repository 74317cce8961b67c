import type { Command } from 'commander';
import { formatSize } from '../../../model/index.js';
import { renderFields } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Show CPU, memory and disk use of a VM';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id');
}

export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const s = await client.call('vm.stats', { name: args[0]! });
    const bytes = (n: number | undefined) => (n === undefined ? undefined : formatSize(n));
    return {
      data: s,
      human: renderFields([
        ['name', s.name],
        ['state', s.state],
        ['uptime', s.uptimeMs === undefined ? undefined : formatDuration(s.uptimeMs)],
        ['cpu', s.stats.cpuPercent === undefined ? undefined : `${s.stats.cpuPercent.toFixed(1)}%`],
        ['rss', bytes(s.stats.rssBytes)],
        ['system overlay', bytes(s.stats.systemOverlayBytes)],
        ['work disk', bytes(s.stats.workDiskBytes)],
        ['sampled', s.stats.collectedAt],
      ]),
    };
  } finally {
    client.close();
  }
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
