/**
 * Messages between a tab and the shared worker (hub-worker.ts) that holds the
 * app's event streams for every tab of the origin. Why a worker: Chromium
 * allows 6 HTTP/1.1 connections per host in one profile, and an EventSource
 * holds one for as long as the tab is open, so tab 7 would wait forever.
 */
import type { Action } from './events.js';

export type TabMessage =
  | { t: 'hello' }
  /** Carries the tab's log subscriptions, so a tab the worker forgot (asleep too long) is restored whole. */
  | { t: 'ping'; logs: string[] }
  | { t: 'bye' }
  | { t: 'log-sub'; name: string }
  | { t: 'log-unsub'; name: string };

export type HubMessage =
  /** In order; the worker batches what arrives within BATCH_MS so a busy stream costs each tab one render per batch. */
  | { t: 'events'; actions: Action[] }
  | { t: 'log'; name: string; text: string; reset: boolean }
  | { t: 'log-status'; name: string; state: 'live' | 'reconnecting' };

/**
 * A tab pings this often; the worker forgets a tab it has not heard from in
 * PORT_TIMEOUT_MS (a closed tab does not always manage its `bye`). Generous:
 * Chrome wakes the timers of a tab hidden for 5 minutes once a minute.
 */
export const PING_MS = 5000;
/** Long enough that a burst (200 VMs starting) costs each of 20 tabs a few renders a second, short enough to look live. */
export const BATCH_MS = 100;
/**
 * The longest a batch is held with this many tabs: every tab renders each
 * batch, so the browser's renders per second stay about constant as tabs are
 * added (at a fixed 100 ms, 20 tabs on a 2-core host fell 1.5 s behind a
 * 200-VM burst, each still drawing batches the others had long finished).
 */
export function batchMsFor(tabs: number): number {
  return Math.min(1000, Math.max(BATCH_MS, 40 * tabs));
}

export const PORT_TIMEOUT_MS = 150_000;
