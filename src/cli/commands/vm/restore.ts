import type { Command } from 'commander';
import { withProgress } from '../../progress.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Roll a VM back to one of its snapshots (running again if the snapshot has memory)';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id').requiredOption('--snapshot <snapshot>', 'snapshot name or id (see banger vm snapshot list NAME)');
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const name = args[0]!;
  const snapshot = String(opts.snapshot);
  const client = await cli.daemon();
  try {
    const vm = await withProgress(client, name, { quiet: cli.json }, () => client.call('vm.restore', { name, snapshot }));
    const up = vm.state === 'running' || vm.state === 'paused';
    const human = up
      ? `${vm.name} ${vm.state} · restored from snapshot ${snapshot}`
      : `${vm.name} ${vm.state} · disks restored from snapshot ${snapshot}\nstart it: banger vm start ${vm.name}`;
    return { data: vm, human };
  } finally {
    client.close();
  }
}
