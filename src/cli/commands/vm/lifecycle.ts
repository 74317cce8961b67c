import type { Command } from 'commander';
import type { VMRecord } from '../../../model/index.js';
import { toBangerError } from '../../../errors/index.js';
import type { RpcClient } from '../../../rpc/index.js';
import { withProgress } from '../../progress.js';
import type { CommandInput, CommandOutput, TargetResult } from '../types.js';
import { startPathText } from './render.js';

/**
 * `vm start|stop|restart|pause|resume|delete NAME...`: one module shape, one daemon call
 * per name in order. All names are attempted and each answers for itself
 * (`results`, even for one name), so one bad name hides neither the others'
 * successes nor their failures; the exit code is the first failure's.
 */
export type LifecycleOp = 'start' | 'stop' | 'restart' | 'pause' | 'resume' | 'delete';

export function lifecycleOptions(op: LifecycleOp) {
  return (cmd: Command): void => {
    cmd.argument('<names...>', 'VM names or ids');
    if (op === 'stop' || op === 'delete') cmd.option('-f, --force', op === 'stop' ? 'kill the VMM without a graceful shutdown' : 'kill a running VM instead of shutting it down gracefully before deleting it');
  };
}

async function callOne(client: RpcClient, op: LifecycleOp, name: string, force: boolean): Promise<VMRecord | { deleted: string }> {
  switch (op) {
    case 'start':
      return client.call('vm.start', { name });
    case 'restart':
      return client.call('vm.restart', { name });
    case 'pause':
      return client.call('vm.pause', { name });
    case 'resume':
      return client.call('vm.resume', { name });
    case 'stop':
      return client.call('vm.stop', { name, ...(force ? { force } : {}) });
    case 'delete':
      return client.call('vm.delete', { name, ...(force ? { force } : {}) });
  }
}

/** "dev running", plus how it came up after a start or restart ("dev running · cold boot"). */
function lifecycleLine(op: LifecycleOp, vm: VMRecord): string {
  const how = op === 'start' || op === 'restart' ? startPathText(vm) : undefined;
  return `${vm.name} ${vm.state}${how ? ` · ${how}` : ''}`;
}

export function lifecycleRun(op: LifecycleOp) {
  return async ({ args, opts, cli }: CommandInput): Promise<CommandOutput> => {
    const client = await cli.daemon();
    const results: TargetResult[] = [];
    const lines: string[] = [];
    try {
      for (const name of args) {
        try {
          const r = await withProgress(client, name, { quiet: cli.json || op === 'delete' }, () => callOne(client, op, name, opts.force === true));
          results.push({ target: name, ok: true, data: r });
          lines.push('deleted' in r ? `${name} deleted` : lifecycleLine(op, r));
        } catch (err) {
          results.push({ target: name, ok: false, error: toBangerError(err) });
        }
      }
    } finally {
      client.close();
    }
    return { data: null, results, human: lines.join('\n') };
  };
}
