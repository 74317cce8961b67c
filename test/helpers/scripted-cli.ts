import { runCli } from '../../src/cli/index.js';
import type { RpcClient } from '../../src/rpc/client.js';

/** Per-method answers of a fake bangerd: the handler gets the call's params. */
export type Handlers = Record<string, (params: Record<string, unknown>) => unknown>;

/**
 * Runs argv through the real command registry against a fake daemon client
 * that answers per method and records each call (events.subscribe, which
 * progress output makes first, is answered but not recorded). An unscripted
 * method fails the command, so a test sees a call it did not expect.
 */
export async function runScriptedCli(argv: string[], handlers: Handlers = {}) {
  const calls: [string, unknown][] = [];
  const client = {
    call: async (method: string, params: Record<string, unknown>) => {
      if (method === 'events.subscribe') return { topics: params.topics };
      calls.push([method, params]);
      const h = handlers[method];
      if (!h) throw new Error(`unexpected call ${method}`);
      return h(params);
    },
    onNotification: () => () => undefined,
    close: () => undefined,
  };
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    env: { HOME: '/nonexistent', XDG_RUNTIME_DIR: '/nonexistent/run' },
    io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t) },
    daemon: async () => client as unknown as RpcClient,
  });
  return { code, out, err, calls };
}
