import type { Command } from 'commander';
import { parseBootablePlatform } from '../../../images/pull/manifest.js';
import { parseReference } from '../../../images/pull/reference.js';
import { checkImageName } from '../../../model/names.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { IMAGES_THAT_BOOT } from './images-that-boot.js';
import { withImageProgress } from './progress-call.js';

export const describe = 'Pull an image from an OCI registry (Docker Hub, GHCR, a private one) and import it';

export function options(cmd: Command): void {
  cmd
    .argument('<reference>', 'image reference: debian:bookworm, ghcr.io/OWNER/REPO:TAG, HOST:PORT/NAME@sha256:…')
    .option('--name <name>', 'name of the new image (default: REPO-TAG, e.g. debian-bookworm)')
    .option('--platform <platform>', 'OS/ARCH[/VARIANT] to take from a multi-arch index (default linux/amd64)')
    .option('--kernel-from <image>', 'image whose kernel and initrd to boot it with (default: the default image)')
    .addHelpText('after', IMAGES_THAT_BOOT);
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const reference = args[0]!;
  // Checked here, before a daemon is started or a default image built for it (bangerd checks again: other clients call it too).
  parseReference(reference);
  if (typeof opts.name === 'string') checkImageName(opts.name);
  if (typeof opts.platform === 'string') parseBootablePlatform(opts.platform);
  const client = await cli.daemon();
  try {
    const { image, unchanged } = await withImageProgress(client, cli.json, () =>
      client.call('image.pull', {
        reference,
        ...(typeof opts.name === 'string' ? { name: opts.name } : {}),
        ...(typeof opts.platform === 'string' ? { platform: opts.platform } : {}),
        ...(typeof opts.kernelFrom === 'string' ? { kernelFrom: opts.kernelFrom } : {}),
      }),
    );
    // --json gets the image either way (docs/cli/json.md); `unchanged` is for the person reading.
    if (!unchanged) return { data: image, human: `pulled ${image.name}` };
    const digest = image.source?.kind === 'pull' ? ` (${image.source.digest})` : '';
    const renamed = typeof opts.name === 'string' && opts.name !== image.name ? `; not pulled again as ${opts.name} (one image per digest)` : '';
    return { data: image, human: `image ${image.name} is up to date${digest}${renamed}` };
  } finally {
    client.close();
  }
}
