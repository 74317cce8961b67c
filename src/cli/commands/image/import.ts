import type { Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../../../errors/index.js';
import { checkImportSource } from '../../../images/import/sniff.js';
import { checkImageName } from '../../../model/names.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { IMAGES_THAT_BOOT } from './images-that-boot.js';
import { withImageProgress } from './progress-call.js';

export const describe = 'Import an OCI layout dir, a docker save tarball or a rootfs tarball as an image';

const FORMATS = ['auto', 'oci', 'docker', 'tar'] as const;

export function options(cmd: Command): void {
  cmd
    .argument('<source>', 'OCI layout directory, docker save .tar, or rootfs .tar[.gz]')
    .requiredOption('--name <name>', 'name of the new image')
    .option('--format <format>', FORMATS.join('|'), 'auto')
    .option('--kernel-from <image>', 'image whose kernel and initrd to boot it with (default: the default image)')
    .addHelpText('after', IMAGES_THAT_BOOT);
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const format = String(opts.format);
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${format} is not one of ${FORMATS.join(', ')}`, { code: 'image.format_invalid', hint: '--format auto' });
  // The daemon resolves nothing relative to the caller's cwd.
  const source = resolve(args[0]!);
  // Checked here, before a daemon is started or a default image built for it (bangerd checks again: other clients call it too).
  checkImageName(String(opts.name));
  await checkImportSource(source);
  const client = await cli.daemon();
  try {
    const image = await withImageProgress(client, cli.json, () =>
      client.call('image.import', {
        name: String(opts.name),
        source,
        format: format as (typeof FORMATS)[number],
        ...(typeof opts.kernelFrom === 'string' ? { kernelFrom: opts.kernelFrom } : {}),
      }),
    );
    return { data: image, human: `imported ${image.name}` };
  } finally {
    client.close();
  }
}
