import type { Command } from 'commander';
import { UsageError } from '../../../errors/index.js';
import { formatSize } from '../../../model/index.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { withImageProgress } from './progress-call.js';

export const describe = 'Build an image: --profile minimal (busybox + dropbear, fast boot), debian (mmdebstrap + systemd) or dev (debian + git, curl, build-essential, python3)';

const PROFILES = ['minimal', 'debian', 'dev'] as const;

export function options(cmd: Command): void {
  cmd
    .option('--name <name>', 'image name (default: the profile name)')
    .option('--profile <profile>', `${PROFILES.join('|')}`, 'minimal')
    .option('--force', 'rebuild when an image of that name exists');
}

export async function run({ opts, cli }: CommandInput): Promise<CommandOutput> {
  const profile = String(opts.profile);
  if (!(PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile ${profile} is not one of ${PROFILES.join(', ')}`, { code: 'image.profile_invalid', hint: '--profile minimal' });
  const client = await cli.daemon();
  try {
    const image = await withImageProgress(client, cli.json, () =>
      client.call('image.build', {
        profile: profile as (typeof PROFILES)[number],
        ...(typeof opts.name === 'string' ? { name: opts.name } : {}),
        ...(opts.force === true ? { force: true } : {}),
      }),
    );
    return { data: image, human: `built ${image.name} (${image.profile}${image.sizeBytes ? `, ${formatSize(image.sizeBytes)}` : ''})` };
  } finally {
    client.close();
  }
}
