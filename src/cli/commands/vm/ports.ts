import type { Command } from 'commander';
import { formatPortsTable } from '../../../guest/ports/index.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'List listening ports in a VM (NAME.vm:PORT; web servers as http://NAME.vm:PORT/), with the host side of each port forward';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id');
}

export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const res = await client.call('vm.ports', { name: args[0]! });
    return { data: res.rows, human: res.rows.length ? formatPortsTable(res.rows) : `nothing is listening in ${res.name}` };
  } finally {
    client.close();
  }
}
