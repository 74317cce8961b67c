import type { RpcClient } from './client.js';
import type { EventTopic, MethodName, MethodParams, MethodResult } from './methods.js';
import { packageVersion } from '../wire/version.js';

/** The part of RpcClient a link uses; tests may hand in a real client to a fake peer. */
export type LinkClient = Pick<RpcClient, 'call' | 'onNotification' | 'onClose' | 'close'>;

export type LinkStatus =
  | {
      state: 'connected';
      /** The daemon's pid. */
      pid: number;
      /** True when this is a reconnect and the daemon's pid changed. */
      restarted: boolean;
      /** True on every connect after the first. */
      reconnected: boolean;
      /** Set when `events.subscribe` failed: the link works but gets no live events. */
      liveError?: string;
    }
  | { state: 'reconnecting'; attempt: number; error: string };

export interface DaemonLinkOptions {
  /**
   * Opens one connection. `initial` is true only for the very first try; the
   * CLI auto-starts bangerd only then, so a daemon the user stopped stays stopped.
   */
  connect(initial: boolean): Promise<LinkClient>;
  /** Topics to subscribe on every (re)connect. */
  topics: EventTopic[];
  onNotification(method: string, params: unknown): void;
  onStatus?(status: LinkStatus): void;
  /** Reconnect delays double from `initialMs` up to `maxMs`. @default { initialMs: 100, maxMs: 2000 } */
  backoff?: { initialMs?: number; maxMs?: number };
}

/**
 * One long-lived daemon connection with its event subscription, rebuilt with
 * a bounded backoff whenever the daemon goes away (crash, restart, upgrade).
 * Subscribing again on each connect is what keeps live views live: a
 * subscription belongs to the connection that made it.
 */
export class DaemonLink {
  private client: LinkClient | undefined;
  private waiters: Array<{ resolve: (c: LinkClient) => void; reject: (e: Error) => void }> = [];
  private closed = false;
  private started = false;
  private lastPid: number | undefined;
  private connects = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: DaemonLinkOptions) {}

  /** Starts connecting (idempotent). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.loop(0);
  }

  /** The connected client, waiting through a reconnect. Rejects only after `close()`. */
  ready(): Promise<LinkClient> {
    this.start();
    if (this.closed) return Promise.reject(new Error('daemon link closed'));
    if (this.client) return Promise.resolve(this.client);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Calls through the current connection, waiting for one while reconnecting. */
  async call<M extends MethodName>(method: M, params: MethodParams<M>, opts?: { timeoutMs?: number }): Promise<MethodResult<M>> {
    const c = await this.ready();
    return c.call(method, params, opts);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.client?.close();
    this.client = undefined;
    for (const w of this.waiters.splice(0)) w.reject(new Error('daemon link closed'));
  }

  private async loop(attempt: number): Promise<void> {
    if (this.closed) return;
    let client: LinkClient | undefined;
    try {
      client = await this.opts.connect(this.connects === 0 && attempt === 0);
      if (this.closed) {
        client.close();
        return;
      }
      const off = client.onNotification((m, p) => this.opts.onNotification(m, p));
      const hello = await client.call('daemon.hello', { clientVersion: packageVersion() }, { timeoutMs: 5000 });
      let liveError: string | undefined;
      try {
        await client.call('events.subscribe', { topics: this.opts.topics }, { timeoutMs: 5000 });
      } catch (err) {
        // An older daemon without events: the view still works, it just is not live.
        liveError = (err as Error).message;
      }
      if (this.closed) {
        off();
        client.close();
        return;
      }
      const connectedClient = client;
      connectedClient.onClose((err) => {
        off();
        if (this.client !== connectedClient) return;
        this.client = undefined;
        if (this.closed) return;
        this.opts.onStatus?.({ state: 'reconnecting', attempt: 0, error: err.message });
        this.schedule(0);
      });
      const reconnected = this.connects > 0;
      const restarted = reconnected && this.lastPid !== undefined && this.lastPid !== hello.pid;
      this.connects++;
      this.lastPid = hello.pid;
      this.client = connectedClient;
      this.opts.onStatus?.({ state: 'connected', pid: hello.pid, restarted, reconnected, ...(liveError ? { liveError } : {}) });
      for (const w of this.waiters.splice(0)) w.resolve(connectedClient);
    } catch (err) {
      client?.close();
      if (this.closed) return;
      this.opts.onStatus?.({ state: 'reconnecting', attempt: attempt + 1, error: (err as Error).message });
      this.schedule(attempt + 1);
    }
  }

  private schedule(attempt: number): void {
    const delay = backoffDelay(attempt, this.opts.backoff?.initialMs ?? 100, this.opts.backoff?.maxMs ?? 2000);
    this.timer = setTimeout(() => void this.loop(attempt), delay);
    this.timer.unref?.();
  }
}

/**
 * Wait before reconnect attempt `attempt`: 0 right after the connection drops
 * (a restarting daemon may already be back), then doubling from `initialMs`,
 * never more than `maxMs`.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  if (attempt <= 0) return 0;
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 16));
}
