import type { Command } from 'commander';
import { formatSize } from '../../../../model/index.js';
import { age, renderTable } from '../../../output.js';
import type { CommandInput, CommandOutput } from '../../types.js';

export const describe = "List snapshots (a VM's, or all of them)";

export function options(cmd: Command): void {
  cmd.argument('[name]', 'only the snapshots of this VM');
}

export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const vm = args[0];
  const client = await cli.daemon();
  try {
    const snaps = await client.call('vm.snapshot.list', vm !== undefined ? { name: vm } : {});
    if (snaps.length === 0) {
      return { data: snaps, human: vm !== undefined ? `no snapshots of ${vm}; take one with: banger vm snapshot ${vm}` : 'no snapshots yet; take one with: banger vm snapshot NAME' };
    }
    const rows = snaps.map((s) => [s.name, s.vmName, s.kind, s.purpose, formatSize(s.sizeBytes), age(s.createdAt)]);
    return { data: snaps, human: renderTable(['name', 'vm', 'kind', 'purpose', 'size', 'created'], rows) };
  } finally {
    client.close();
  }
}
