import type { Command } from 'commander';
import { withProgress } from '../../../progress.js';
import type { CommandInput, CommandOutput } from '../../types.js';
import { checkSnapshotName } from '../flags.js';
import { snapshotSummary } from '../render.js';

export const describe = "Snapshot a VM: memory and disks while it runs (paused for a moment), disks only when stopped";

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id').option('--name <snapshot>', 'snapshot name (default: bangerd picks one)');
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const vm = args[0]!;
  const snapshot = typeof opts.name === 'string' ? checkSnapshotName(opts.name) : undefined;
  const client = await cli.daemon();
  try {
    const s = await withProgress(client, vm, { quiet: cli.json }, () => client.call('vm.snapshot.create', { name: vm, ...(snapshot !== undefined ? { snapshot } : {}) }));
    return { data: s, human: `snapshot ${s.name} of ${s.vmName} taken: ${snapshotSummary(s)}` };
  } finally {
    client.close();
  }
}
