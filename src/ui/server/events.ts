import type { ServerResponse } from 'node:http';
import type { UiEvent } from '../contract.js';

/** One SSE frame: `event: NAME\ndata: JSON\n\n` (JSON has no raw newlines, so one data line). */
export function sseFrame(e: { event: string; data: unknown }): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** Response headers of every event stream. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  connection: 'keep-alive',
  // Tells proxies (none expected on loopback, but harmless) not to buffer.
  'x-accel-buffering': 'no',
};

export interface SseHubOptions {
  /** Comment frames that keep idle connections open. @default 15000 */
  keepAliveMs?: number;
  /** How long a tab may stay backed up (write() said false, no 'drain') before it is dropped. @default 5000 */
  stallMs?: number;
  /** Bytes queued for one tab beyond which it is dropped at once. @default 1 MiB */
  maxQueuedBytes?: number;
}

interface Client {
  res: ServerResponse;
  stallTimer: NodeJS.Timeout | undefined;
}

/**
 * Fans UiEvents out to every open tab. A slow tab is never buffered without
 * bound: when its socket stays backed up it is disconnected, and the
 * browser's EventSource reconnects and starts over from a fresh `vms`.
 */
export class SseHub {
  private readonly clients = new Set<Client>();
  private readonly keepAlive: NodeJS.Timeout;
  private readonly stallMs: number;
  private readonly maxQueuedBytes: number;

  constructor(opts: SseHubOptions = {}) {
    this.stallMs = opts.stallMs ?? 5000;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 1024 * 1024;
    this.keepAlive = setInterval(() => this.writeAll(': keep-alive\n\n'), opts.keepAliveMs ?? 15_000);
    this.keepAlive.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * Adds a tab: headers, then `first` (the `vms` snapshot and the daemon
   * state) before any broadcast, then every later event. The caller has
   * already written security headers onto `res`.
   */
  add(res: ServerResponse, first: UiEvent[]): void {
    res.writeHead(200, SSE_HEADERS);
    const client: Client = { res, stallTimer: undefined };
    this.clients.add(client);
    res.on('close', () => this.drop(client));
    res.on('drain', () => {
      if (client.stallTimer) clearTimeout(client.stallTimer);
      client.stallTimer = undefined;
    });
    this.write(client, ': connected\n\n' + first.map(sseFrame).join(''));
  }

  broadcast(e: UiEvent): void {
    if (this.clients.size === 0) return;
    this.writeAll(sseFrame(e));
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    clearInterval(this.keepAlive);
    for (const c of [...this.clients]) {
      this.drop(c);
      c.res.end();
    }
  }

  private writeAll(frame: string): void {
    for (const c of [...this.clients]) this.write(c, frame);
  }

  private write(c: Client, frame: string): void {
    if (c.res.writableEnded || c.res.destroyed) {
      this.drop(c);
      return;
    }
    const ok = c.res.write(frame);
    if (c.res.writableLength > this.maxQueuedBytes) {
      this.kill(c);
      return;
    }
    if (!ok && !c.stallTimer) {
      c.stallTimer = setTimeout(() => this.kill(c), this.stallMs);
      c.stallTimer.unref();
    }
  }

  private kill(c: Client): void {
    this.drop(c);
    c.res.destroy();
  }

  private drop(c: Client): void {
    if (c.stallTimer) clearTimeout(c.stallTimer);
    c.stallTimer = undefined;
    this.clients.delete(c);
  }
}
