import type { Command } from 'commander';
import { formatHostAddress } from '../../../../model/index.js';
import { renderTable } from '../../../output.js';
import type { CommandInput, CommandOutput } from '../../types.js';

export const describe = "List port forwards (a VM's, or all of them)";

export function options(cmd: Command): void {
  cmd.argument('[name]', 'only the forwards of this VM');
}

export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const vm = args[0];
  const client = await cli.daemon();
  try {
    const list = await client.call('vm.forward.list', vm !== undefined ? { name: vm } : {});
    if (list.length === 0) {
      return { data: list, human: `no port forwards${vm !== undefined ? ` for ${vm}` : ''}; add one with: banger vm forward ${vm ?? 'NAME'} 8080:80` };
    }
    const rows = list.map((f) => [f.vmName, f.proto, formatHostAddress(f.hostIp, f.hostPort), String(f.guestPort), f.active ? 'listening' : (f.error ?? 'down (VM not running)')]);
    return { data: list, human: renderTable(['vm', 'proto', 'host', 'guest port', 'status'], rows) };
  } finally {
    client.close();
  }
}
