import type { HelperOpName, HelperOpParams, HelperOpResult } from '../../src/model/helper-ops.js';
import type { Reply } from '../ask.js';

/** Any privileged call; `reply` receives the typed result or the typed failure. */
export type HelperCall = {
  [O in HelperOpName]: { type: 'helper.call'; op: O; params: HelperOpParams<O>; reply: Reply<HelperOpResult<O>> };
}[HelperOpName];

export type HelperBridgeEvent =
  | HelperCall
  /** Reported by a finished call actor (facts for inspect and counters). */
  | { type: 'helper.succeeded'; op: HelperOpName; attempts: number }
  | { type: 'helper.failed'; op: HelperOpName; attempts: number; message: string };

export interface HelperBridgeContext {
  inFlight: number;
  calls: number;
  failures: number;
  lastFailure: { op: string; message: string } | null;
}

export interface RetryPolicy {
  /** Total tries including the first. @default 3 */
  attempts: number;
  /** First backoff; doubles each retry. @default 50 */
  baseDelayMs: number;
}
