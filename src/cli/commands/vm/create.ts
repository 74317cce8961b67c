import type { Command } from 'commander';
import { friendlyName } from '../../../model/index.js';
import { withProgress } from '../../progress.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { addPublishOption, addSizingOptions, checkName, parsePublish, parseSizing, SIZE_HELP } from './flags.js';
import { renderNewVm } from './render.js';

export const describe = 'Create a VM (and start it unless --no-start)';

export function options(cmd: Command): void {
  cmd.option('--name <name>', 'VM name (a DNS label); a friendly one is picked when omitted').option('--image <image>', 'image name or id (default: the configured default image, built on first use)');
  addSizingOptions(cmd);
  addPublishOption(cmd);
  cmd
    .option('--overlay-size <size>', `copy-on-write system overlay size, e.g. 8G (${SIZE_HELP})`)
    .option('--no-start', 'create only; start later with banger vm start')
    .option('--cold', "boot the kernel even when a warm snapshot of the image fits (see banger image warm)");
}

export async function run({ opts, cli }: CommandInput): Promise<CommandOutput> {
  const sizing = parseSizing(opts);
  const publish = parsePublish(opts);
  // Named here (not by the daemon) so progress can follow this VM's events by name.
  const name = typeof opts.name === 'string' ? checkName(opts.name) : friendlyName();
  const client = await cli.daemon();
  try {
    const vm = await withProgress(client, name, { quiet: cli.json }, () =>
      client.call('vm.create', {
        name,
        ...(typeof opts.image === 'string' ? { image: opts.image } : {}),
        ...sizing,
        noStart: opts.start === false,
        ...(opts.cold === true ? { cold: true } : {}),
        ...publish,
      }),
    );
    return { data: vm, human: renderNewVm(vm) };
  } finally {
    client.close();
  }
}
