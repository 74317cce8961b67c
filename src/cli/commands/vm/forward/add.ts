import type { Command } from 'commander';
import { formatForward, parseForwardSpec } from '../../../../model/index.js';
import type { CommandInput, CommandOutput } from '../../types.js';

export const describe = 'Forward a host port to a VM: banger vm forward NAME [HOST_IP:]HOST_PORT:GUEST_PORT [--udp]';

export function options(cmd: Command): void {
  cmd
    .argument('<name>', 'VM name or id')
    .argument('<spec>', '[HOST_IP:]HOST_PORT:GUEST_PORT (host address 127.0.0.1 unless given; 0.0.0.0 exposes it on every interface)')
    .option('--udp', 'forward UDP instead of TCP');
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  // Parsed before connecting: a malformed spec is a usage error without starting bangerd.
  const forward = parseForwardSpec(args[1]!, opts.udp === true ? 'udp' : undefined);
  const client = await cli.daemon();
  try {
    const f = await client.call('vm.forward.add', { name: args[0]!, forward });
    const when = f.active ? 'listening now' : 'listening once the VM runs';
    return { data: f, human: `${formatForward(f)} forwarded to ${f.vmName} (${when})` };
  } finally {
    client.close();
  }
}
