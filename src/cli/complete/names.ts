// Direct module, not the rpc barrel: the barrel pulls in the server side, and this runs on every TAB.
import { RpcClient } from '../../rpc/client.js';
import type { Candidate, NameSource, NamedKind } from './candidates.js';

/** A TAB press must feel instant; past this the names are simply not offered. */
export const NAME_BUDGET_MS = 300;

/**
 * Names from a bangerd that is already running. Never starts one (a TAB
 * press spawning a daemon would surprise), never prints an error: any
 * failure, or the budget running out, is an empty list. One connection
 * serves every kind asked for (`vm fork` wants VMs and snapshots).
 */
export function daemonNames(socketPath: string, budgetMs = NAME_BUDGET_MS): { names: NameSource; close: () => void } {
  const deadline = Date.now() + budgetMs;
  let client: Promise<RpcClient | undefined> | undefined;
  const connect = () => {
    client ??= RpcClient.connect(socketPath, { timeoutMs: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
    return client;
  };
  const names: NameSource = async (kind) => {
    const left = deadline - Date.now();
    if (left <= 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<readonly Candidate[]>((resolve) => (timer = setTimeout(() => resolve([]), left)));
    try {
      return await Promise.race([ask(connect, kind, left), late]);
    } catch {
      return [];
    } finally {
      clearTimeout(timer);
    }
  };
  const close = () => void client?.then((c) => c?.close());
  return { names, close };
}

async function ask(connect: () => Promise<RpcClient | undefined>, kind: NamedKind, timeoutMs: number): Promise<readonly Candidate[]> {
  const c = await connect();
  if (!c) return [];
  switch (kind) {
    case 'vm':
      return (await c.call('vm.list', {}, { timeoutMs })).map((v) => ({ value: v.name, description: `VM, ${v.state}` }));
    case 'image':
      return (await c.call('image.list', {}, { timeoutMs })).map((i) => ({ value: i.name, description: `image, ${i.profile}` }));
    case 'snapshot':
      return (await c.call('vm.snapshot.list', {}, { timeoutMs })).map((s) => ({ value: s.name, description: `snapshot of ${s.vmName}` }));
  }
}
