import type { RpcClient } from '../../../rpc/index.js';
import { createProgress, describeNotification } from '../../progress.js';

/** Runs an image call, rendering the `image.progress` notifications the daemon sends to this connection. */
export async function withImageProgress<T>(client: RpcClient, quiet: boolean, fn: () => Promise<T>): Promise<T> {
  if (quiet) return fn();
  const progress = createProgress();
  const off = client.onNotification((method, params) => {
    const text = describeNotification(method, params, '');
    if (text) progress.step(text);
  });
  try {
    return await fn();
  } finally {
    off();
    progress.done();
  }
}
