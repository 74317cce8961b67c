import { shutdownAndWait, tryHello } from '../../daemon-client.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Stop bangerd';

/** Idempotent: stopping a daemon that is not running succeeds and says so. */
export async function run({ cli }: CommandInput): Promise<CommandOutput> {
  const hello = await tryHello(cli.layout.daemonSocket);
  // One shape either way: bangerd is not running afterwards; `stopped` says whether this call stopped it.
  if (!hello) return { data: { running: false, stopped: false }, human: 'bangerd is not running' };
  await shutdownAndWait(hello.client, hello.pid, 10_000);
  return { data: { running: false, stopped: true, pid: hello.pid }, human: `bangerd stopped (pid ${hello.pid})` };
}
