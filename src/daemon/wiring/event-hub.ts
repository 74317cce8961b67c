import type { RpcConnection } from '../../wire/index.js';
import type { EventTopic, Notifications } from '../../rpc/methods.js';

/** A sink for one subscriber (an RPC connection in bangerd; an array in tests). */
export interface EventSink {
  readonly id: number;
  readonly isOpen: boolean;
  notify(method: string, params?: unknown): boolean;
}

/**
 * Fans daemon events out to subscribed connections, as JSON-RPC
 * notifications, in the order they were published. A connection stays
 * subscribed until it closes; closed ones are dropped on the next publish.
 */
export class EventHub {
  private readonly subs = new Map<number, { sink: EventSink; topics: Set<EventTopic> }>();

  /** Adds topics for a connection (a second subscribe call widens the set). */
  subscribe(sink: EventSink | RpcConnection, topics: readonly EventTopic[]): EventTopic[] {
    const existing = this.subs.get(sink.id);
    const set = existing?.topics ?? new Set<EventTopic>();
    for (const t of topics) set.add(t);
    this.subs.set(sink.id, { sink, topics: set });
    return [...set];
  }

  /** True when someone listens to `topic` (lets producers skip building costly payloads). */
  wants(topic: EventTopic): boolean {
    for (const s of this.subs.values()) if (s.topics.has(topic) && s.sink.isOpen) return true;
    return false;
  }

  publish<T extends EventTopic>(topic: T, params: Notifications[T]): number {
    let sent = 0;
    for (const [id, s] of this.subs) {
      if (!s.sink.isOpen) {
        this.subs.delete(id);
        continue;
      }
      if (s.topics.has(topic) && s.sink.notify(topic, params)) sent++;
    }
    return sent;
  }

  get size(): number {
    return this.subs.size;
  }
}
