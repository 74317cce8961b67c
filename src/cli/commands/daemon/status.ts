import { tryHello } from '../../daemon-client.js';
import { age, renderFields } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Show whether bangerd is running';

/** Never starts the daemon: status reports what is, exit 0 either way. */
export async function run({ cli }: CommandInput): Promise<CommandOutput> {
  const hello = await tryHello(cli.layout.daemonSocket);
  if (!hello) {
    return {
      data: { running: false, socket: cli.layout.daemonSocket },
      human: `bangerd is not running (socket ${cli.layout.daemonSocket})`,
    };
  }
  try {
    const s = await hello.client.call('daemon.status', {});
    return {
      data: { running: true, ...s },
      human: renderFields([
        ['bangerd', `running (pid ${s.pid})`],
        ['version', s.version],
        ['started', `${s.startedAt} (${age(s.startedAt)})`],
        ['socket', s.socket],
        ['state', s.stateDir],
        ['instance', `${s.instance} (its links carry alias banger:${s.instance})`],
        ['vms', s.vmCount],
      ]),
    };
  } finally {
    hello.client.close();
  }
}
