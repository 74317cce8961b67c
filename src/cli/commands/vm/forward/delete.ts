import type { Command } from 'commander';
import { formatForward, parsePort } from '../../../../model/index.js';
import type { CommandInput, CommandOutput } from '../../types.js';

export const describe = 'Remove a port forward: banger vm forward delete NAME HOST_PORT [--udp]';

export function options(cmd: Command): void {
  cmd
    .argument('<name>', 'VM name or id')
    .argument('<host-port>', 'the host port of the forward')
    .option('--udp', 'the UDP forward on that port')
    .option('--host-ip <address>', 'only the forward on this host address (when one port is forwarded on two)');
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const hostPort = parsePort(args[1]!, 'host port');
  const client = await cli.daemon();
  try {
    const res = await client.call('vm.forward.delete', {
      name: args[0]!,
      hostPort,
      proto: opts.udp === true ? 'udp' : 'tcp',
      ...(typeof opts.hostIp === 'string' ? { hostIp: opts.hostIp } : {}),
    });
    return { data: res, human: res.deleted.map((f) => `${formatForward(f)} of ${f.vmName} removed`).join('\n') };
  } finally {
    client.close();
  }
}
