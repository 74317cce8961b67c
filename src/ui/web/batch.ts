/** Batching of stream actions (DOM-free, unit-tested). */
import type { Action } from './events.js';
import { BATCH_MS } from './hub-protocol.js';

/** Collects actions for BATCH_MS and hands them on as one (one render per batch, not per event). */
export function batcher(dispatch: (a: Action) => void, ms = BATCH_MS): (a: Action) => void {
  let pending: Action[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (a) => {
    pending.push(a);
    timer ??= setTimeout(() => {
      timer = undefined;
      const batch = pending;
      pending = [];
      dispatch(batch.length === 1 ? batch[0]! : { event: 'local.batch', data: batch });
    }, ms);
  };
}
