import type { Command } from 'commander';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Delete an image (refused while a VM uses it)';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'image name or id');
}

export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const res = await client.call('image.delete', { name: args[0]! });
    return { data: res, human: `${args[0]} deleted` };
  } finally {
    client.close();
  }
}
