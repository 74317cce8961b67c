import type { Command } from 'commander';
import { formatSize } from '../../../model/index.js';
import { renderFields } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Show one VM in detail';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id');
}

export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const vm = await client.call('vm.show', { name: args[0]! });
    const r = vm.runtime;
    return {
      data: vm,
      human: renderFields([
        ['name', vm.name],
        ['id', vm.id],
        ['state', vm.state],
        ['vmm', vm.vmm],
        ['image', vm.imageId],
        ['spec', `${vm.spec.vcpuCount} vcpu · ${vm.spec.memoryMiB} MiB · ${formatSize(vm.spec.workDiskSizeBytes)} disk`],
        ['nat', vm.spec.natEnabled],
        ['ip', r.guestIP],
        ['dns', r.dnsName],
        ['dir', r.vmDir],
        ['log', r.logPath],
        ['created', vm.createdAt],
        ['touched', vm.lastTouchedAt],
        ['workspace', vm.workspace ? `${vm.workspace.repoName} → ${vm.workspace.guestPath}` : undefined],
        ['last error', r.lastError],
      ]),
    };
  } finally {
    client.close();
  }
}
