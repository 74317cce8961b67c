import { renderFields } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Start bangerd if it is not running';

export async function run({ cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const status = await client.call('daemon.status', {});
    return {
      data: { running: true, ...status },
      human: renderFields([
        ['bangerd', `running (pid ${status.pid})`],
        ['socket', status.socket],
      ]),
    };
  } finally {
    client.close();
  }
}
