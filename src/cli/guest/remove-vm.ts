import { BusyError, DaemonUnavailableError, NotFoundError } from '../../errors/index.js';
import type { MethodParams } from '../../rpc/methods.js';

/** The two daemon calls removing a VM needs (an RpcClient; a fake in tests). */
export interface RemoveClient {
  call(method: 'vm.delete', params: MethodParams<'vm.delete'>): Promise<unknown>;
  call(method: 'vm.stop', params: MethodParams<'vm.stop'>): Promise<unknown>;
}

export interface RemoveOptions {
  /** A fresh connection when the first one was lost (bangerd restarted under a long command). */
  reconnect?: () => Promise<RemoveClient>;
  /** Give up after this long of BusyError. @default 120000 */
  busyLimitMs?: number;
  /** Pause between busy retries. @default 250 */
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Deletes `vm run --rm`'s VM whatever it is doing:
 * - a start still in flight makes delete BusyError; a forced stop may cut into
 *   a start (the supervisor allows exactly that), so it is sent once and the
 *   delete retried, instead of waiting out a whole boot;
 * - a VM already gone (bangerd's own delete when an earlier CLI connection
 *   dropped) is success;
 * - a lost daemon connection is retried once on a new one.
 */
export async function removeVm(client: RemoveClient, name: string, opts: RemoveOptions = {}): Promise<void> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + (opts.busyLimitMs ?? 120_000);
  let c = client;
  let stopSent = false;
  let reconnected = false;
  for (;;) {
    try {
      await c.call('vm.delete', { name, force: true });
      return;
    } catch (err) {
      if (err instanceof NotFoundError) return;
      if (err instanceof DaemonUnavailableError && opts.reconnect && !reconnected) {
        reconnected = true;
        c = await opts.reconnect();
        continue;
      }
      if (!(err instanceof BusyError) || now() > deadline) throw err;
      if (!stopSent) {
        stopSent = true;
        // Errors here do not matter: the delete below says what is wrong, if anything still is.
        await c.call('vm.stop', { name, force: true }).catch(() => undefined);
        continue;
      }
      await sleep(opts.pollMs ?? 250);
    }
  }
}
