import type { Command } from 'commander';
import { UsageError } from '../../../errors/index.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { addSizingOptions, parseSizing } from './flags.js';
import { specLine } from './render.js';

export const describe = 'Change a VM (vcpu, memory, disk size, NAT); sizing applies at next start';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id');
  addSizingOptions(cmd, { nat: 'both' });
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const { vcpu, memoryMiB, diskSize, nat } = parseSizing(opts);
  if (vcpu === undefined && memoryMiB === undefined && diskSize === undefined && nat === undefined) {
    throw new UsageError('nothing to change', { code: 'vm.set_nothing', hint: 'pass --vcpu, --memory, --disk-size, --nat or --no-nat' });
  }
  const client = await cli.daemon();
  try {
    const vm = await client.call('vm.set', {
      name: args[0]!,
      ...(vcpu !== undefined ? { vcpu } : {}),
      ...(memoryMiB !== undefined ? { memoryMiB } : {}),
      ...(diskSize !== undefined ? { diskSize } : {}),
      ...(nat !== undefined ? { nat } : {}),
    });
    return { data: vm, human: `${vm.name}: ${specLine(vm)} · nat ${vm.spec.natEnabled ? 'on' : 'off'}` };
  } finally {
    client.close();
  }
}
