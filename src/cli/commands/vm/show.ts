import type { Command } from 'commander';
import { BangerError } from '../../../errors/index.js';
import { formatSize, shortId } from '../../../model/index.js';
import type { SnapshotRecord, VMRecord } from '../../../model/index.js';
import type { RpcClient } from '../../../rpc/index.js';
import { age, renderFields } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { specLine, startPathText } from './render.js';

export const describe = 'Show one VM in detail';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id');
}

export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const vm = await client.call('vm.show', { name: args[0]! });
    // --json stays the VMRecord; its snapshots are `banger vm snapshot list NAME --json`.
    if (cli.json) return { data: vm, human: '' };
    const { snapshots, base } = await snapshotsOf(client, vm);
    const r = vm.runtime;
    return {
      data: vm,
      human: renderFields([
        ['name', vm.name],
        ['id', vm.id],
        ['state', vm.state],
        ['vmm', vm.vmm],
        ['image', vm.imageId],
        ['spec', specLine(vm)],
        ['nat', vm.spec.natEnabled],
        ['ip', r.guestIP],
        ['dns', r.dnsName],
        ['dir', r.vmDir],
        ['log', r.logPath],
        ['created', vm.createdAt],
        ['touched', vm.lastTouchedAt],
        ['started', startPathText(vm)],
        ['base snapshot', base],
        ['snapshots', snapshots],
        ['workspace', vm.workspace ? `${vm.workspace.repoName} → ${vm.workspace.guestPath}` : undefined],
        ['last error', r.lastError],
      ]),
    };
  } finally {
    client.close();
  }
}

/**
 * The VM's snapshots on one line, and the snapshot its disks are built on (by
 * name when bangerd lists it). Both undefined against a bangerd without snapshots.
 */
async function snapshotsOf(client: RpcClient, vm: VMRecord): Promise<{ snapshots?: string; base?: string }> {
  const own = await listOrNothing(client, { name: vm.name });
  if (own === undefined) return {};
  const baseId = vm.runtime.baseSnapshotId;
  let base: string | undefined;
  if (baseId !== undefined) {
    // A fork's or a warm start's base belongs to another VM or to the image, so look among all.
    const found = own.find((s) => s.id === baseId) ?? (await listOrNothing(client, {}))?.find((s) => s.id === baseId);
    base = found ? `${found.name} (${found.purpose}, of ${found.vmName})` : shortId(baseId);
  }
  const snapshots = own.length === 0 ? undefined : own.map((s) => `${s.name} (${s.kind}, ${formatSize(s.sizeBytes)}, ${age(s.createdAt)})`).join(', ');
  return { ...(snapshots !== undefined ? { snapshots } : {}), ...(base !== undefined ? { base } : {}) };
}

async function listOrNothing(client: RpcClient, params: { name?: string }): Promise<SnapshotRecord[] | undefined> {
  try {
    return await client.call('vm.snapshot.list', params);
  } catch (err) {
    // An older bangerd has no such method: show the VM without snapshots.
    if (err instanceof BangerError && err.code === 'rpc.-32601') return undefined;
    throw err;
  }
}
