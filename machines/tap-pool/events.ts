import type { Reply } from '../ask.js';

export interface TapGrant {
  name: string;
  /** False when the pool was empty: the caller must create the tap (tap.create is idempotent). */
  ready: boolean;
}

export type TapPoolEvent =
  /** Sent once reconcile knows which taps belong to VMs (kept or being torn down). */
  | { type: 'pool.init'; held: Record<string, string> }
  | { type: 'tap.acquire'; vmId: string; reply: Reply<TapGrant> }
  /** A VM gave its tap back (stop, rollback, teardown). Idempotent. */
  | { type: 'tap.release'; vmId: string; name: string }
  /** Deletes the ready taps (VMs keep theirs: they survive a daemon restart); the actor is done afterwards. */
  | { type: 'pool.shutdown' };

export interface TapPoolInput {
  bridge: string;
  /** CIDR form, e.g. 172.16.0.1/24. */
  bridgeAddress: string;
  /** Tap names are prefix + index and must fit IFNAMSIZ (15). */
  prefix: string;
  /** How many idle taps to keep ready. */
  size: number;
}

export interface TapPoolContext extends TapPoolInput {
  ready: string[];
  /** tap → vmId */
  used: Record<string, string>;
  nextIndex: number;
  /** Names being created by the current fill (reserved: never handed out). */
  pending: string[];
  lastError: string | null;
  /** Fresh names handed out not-ready: the caller was to create them, so they may not exist. */
  unverified?: string[];
  /** pool.shutdown arrived during a fill: drain once the fill lands. */
  shutdownPending?: boolean;
}

export interface InitPoolOutput {
  existing: string[];
}
export interface CreateTapsOutput {
  created: string[];
  failed: Array<{ name: string; message: string }>;
}
