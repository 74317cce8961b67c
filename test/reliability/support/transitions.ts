import type { RpcClient } from '../../../src/rpc/index.js';

/** Resolves at the first vm.transition of `name` into a state starting with `prefix` (the client must be subscribed). */
export function waitTransition(c: RpcClient, name: string, prefix: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no transition of ${name} into ${prefix} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = c.onNotification((method, params) => {
      const t = params as { name?: string; to?: string };
      if (method === 'vm.transition' && t.name === name && t.to?.startsWith(prefix)) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}
