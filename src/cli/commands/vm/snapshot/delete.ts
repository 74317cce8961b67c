import type { Command } from 'commander';
import type { CommandInput, CommandOutput } from '../../types.js';

export const describe = 'Delete a snapshot and its files';

export function options(cmd: Command): void {
  cmd.argument('<snapshot>', 'snapshot name or id');
}

export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const res = await client.call('vm.snapshot.delete', { snapshot: args[0]! });
    return { data: res, human: `snapshot ${args[0]} deleted` };
  } finally {
    client.close();
  }
}
