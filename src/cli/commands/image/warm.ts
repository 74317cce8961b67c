import type { Command } from 'commander';
import { formatSize } from '../../../model/index.js';
import { age } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { addSizingOptions, parseSizing } from '../vm/flags.js';
import { specLine } from '../vm/render.js';
import { withImageProgress } from './progress-call.js';

export const describe = "Boot an image once and snapshot it ready, so new VMs of that size start warm";

export function options(cmd: Command): void {
  cmd.argument('<name>', 'image name or id');
  // The sizing a warm snapshot fits; unset ones are the configured VM defaults, as for vm create.
  addSizingOptions(cmd, { nat: 'none' });
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const image = args[0]!;
  const { vcpu, memoryMiB, diskSize } = parseSizing(opts);
  const client = await cli.daemon();
  try {
    const asked = Date.now();
    const s = await withImageProgress(client, cli.json, () =>
      client.call('image.warm', {
        name: image,
        ...(vcpu !== undefined ? { vcpu } : {}),
        ...(memoryMiB !== undefined ? { memoryMiB } : {}),
        ...(diskSize !== undefined ? { diskSize } : {}),
      }),
    );
    // Same host, same clock: a snapshot older than the call was already there.
    const made = Date.parse(s.createdAt) >= asked ? 'taken' : `already there (taken ${age(s.createdAt)})`;
    return { data: s, human: `warm snapshot ${s.name} of ${image} ${made}: ${specLine(s)} · ${formatSize(s.sizeBytes)}` };
  } finally {
    client.close();
  }
}
