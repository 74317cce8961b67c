import type { Command } from 'commander';
import { formatImageSource, formatSize } from '../../../model/index.js';
import { renderFields } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Show one image in detail';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'image name or id');
}

export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const i = await client.call('image.show', { name: args[0]! });
    return {
      data: i,
      human: renderFields([
        ['name', i.name],
        ['id', i.id],
        ['profile', i.profile],
        ['source', i.source === undefined ? undefined : formatImageSource(i.source)],
        ['managed', i.managed],
        ['kernel', i.kernelPath],
        // Firecracker boots only this ELF; the row is left out for an image bangerd could not extract one for.
        ['vmlinux', i.vmlinuxPath],
        ['initrd', i.initrdPath],
        ['rootfs', i.rootfsPath],
        ['size', i.sizeBytes === undefined ? undefined : formatSize(i.sizeBytes)],
        ['created', i.createdAt],
      ]),
    };
  } finally {
    client.close();
  }
}
