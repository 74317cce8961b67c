import type { Command } from 'commander';
import { InvalidInputError } from '../../../errors/index.js';
import { RpcClient } from '../../../rpc/index.js';
import { parsePort, untilSignal } from '../../serve.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Serve the live state-machine visualizer on 127.0.0.1';

export function options(cmd: Command): void {
  cmd.option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '0');
}

export async function run({ opts, cli }: CommandInput): Promise<CommandOutput> {
  const port = parsePort(opts.port);
  const first = await cli.daemon();
  const { createDaemonVizSource, startVizServer } = await import('../../../debug/viz/index.js');
  const source = createDaemonVizSource({
    connect: (initial) => (initial ? Promise.resolve(first) : RpcClient.connect(cli.layout.daemonSocket, { timeoutMs: 1000 })),
    onStatus: (s) => {
      if (s.state === 'reconnecting' && s.attempt === 0) process.stderr.write(`banger debug viz: daemon connection lost (${s.error}); reconnecting…\n`);
      if (s.state === 'connected' && s.reconnected) process.stderr.write(`banger debug viz: ${s.restarted ? 'daemon restarted, reconnected' : 'reconnected'}; reload the page\n`);
      if (s.state === 'connected' && s.liveError) process.stderr.write(`banger debug viz: no live events from this daemon (${s.liveError})\n`);
    },
  });
  let server: Awaited<ReturnType<typeof startVizServer>>;
  try {
    server = await startVizServer(source, { port });
  } catch (err) {
    source.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new InvalidInputError(`port ${port} on 127.0.0.1 is already in use`, { code: 'debug.port_in_use', hint: 'pick another with --port, or omit it for a free one' });
    }
    throw err;
  }
  // Listening for the stop signal before saying we are ready: a script that reads the document and
  // signals at once must get a clean stop (exit 0), not node's default death by SIGTERM.
  const stopped = untilSignal();
  // Printed now, as the invocation's one result (one envelope under --json): the command runs until Ctrl-C.
  const ready = { url: server.url, port: server.port };
  cli.announce({ data: ready, human: `visualizer: ${server.url}  (Ctrl-C stops)` });
  await stopped;
  await server.close();
  source.close();
  return { data: ready, human: '' };
}
