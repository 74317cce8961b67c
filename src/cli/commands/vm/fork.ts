import type { Command } from 'commander';
import { withProgress } from '../../progress.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { checkName } from './flags.js';
import { renderNewVm } from './render.js';

export const describe = 'Make a new VM from a VM (running or stopped) or a snapshot, and start it unless --no-start';

export function options(cmd: Command): void {
  cmd
    .argument('<source>', 'VM name or id, or a snapshot name (a VM of that name wins)')
    .requiredOption('--name <name>', 'name of the new VM (a DNS label)')
    .option('--nat', 'give the new VM outbound NAT')
    .option('--no-start', 'create only; start later with banger vm start');
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const source = args[0]!;
  const name = checkName(String(opts.name));
  const client = await cli.daemon();
  try {
    // Progress follows the new VM: the source is paused only for the moment its snapshot takes.
    const vm = await withProgress(client, name, { quiet: cli.json }, () =>
      client.call('vm.fork', { source, name, ...(opts.nat === true ? { nat: true } : {}), ...(opts.start === false ? { noStart: true } : {}) }),
    );
    return { data: vm, human: renderNewVm(vm) };
  } finally {
    client.close();
  }
}
