/**
 * The app's event streams: /api/events and a VM's log. In a browser with
 * SharedWorker, one worker (hub-worker.ts) holds them for all tabs of the
 * origin (hub-protocol.ts says why); otherwise, or when the worker cannot
 * start, each tab opens its own EventSources.
 */
import type { UiEvent } from '../contract.js';
import { vmPath } from './api.js';
import type { Action } from './events.js';
import { batcher } from './batch.js';
import { PING_MS, type HubMessage, type TabMessage } from './hub-protocol.js';
import { appendLog } from './log-tail.js';

export const EVENT_NAMES: ReadonlyArray<UiEvent['event']> = ['vms', 'vm', 'vm.removed', 'vm.transition', 'vm.stats', 'image.progress', 'images', 'actor', 'daemon'];
const MAX_PAUSE_MS = 15_000;

/**
 * An EventSource that comes back after the browser gives up on it (EventSource
 * retries a dropped link itself, but not an HTTP error answer such as a
 * restarted `banger ui`'s 403): a new one after a growing pause.
 */
export function resilientSource(
  url: string,
  on: { open?: () => void; down?: () => void; events: Record<string, (data: unknown) => void> },
): () => void {
  let es: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pause = 1000;
  let closed = false;
  const connect = (): void => {
    es = new EventSource(url);
    es.onopen = () => {
      pause = 1000;
      on.open?.();
    };
    es.onerror = () => {
      on.down?.();
      if (es?.readyState === EventSource.CLOSED && !closed) {
        timer = setTimeout(connect, pause);
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
      }
    };
    for (const [name, fn] of Object.entries(on.events)) {
      es.addEventListener(name, (ev: MessageEvent<string>) => {
        let data: unknown;
        try {
          data = JSON.parse(ev.data);
        } catch {
          return; // a malformed frame is the server's bug; the next full resend corrects it
        }
        fn(data);
      });
    }
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    es?.close();
  };
}

export interface LogHandlers {
  /** `reset`: the text is the whole tail again (a (re)connect), not an appended chunk. */
  text: (text: string, reset: boolean) => void;
  status: (state: 'live' | 'reconnecting') => void;
}

function directEvents(dispatch: (a: Action) => void): () => void {
  const send = batcher(dispatch);
  return resilientSource('/api/events', {
    open: () => send({ event: 'local.stream', data: { state: 'connected' } }),
    down: () => send({ event: 'local.stream', data: { state: 'reconnecting' } }),
    events: Object.fromEntries(EVENT_NAMES.map((name) => [name, (data: unknown) => send({ event: name, data } as UiEvent)])),
  });
}

function directLog(name: string, h: LogHandlers): () => void {
  let fresh = true;
  return resilientSource(vmPath(name, '/log/stream'), {
    open: () => {
      fresh = true;
      h.status('live');
    },
    down: () => h.status('reconnecting'),
    events: {
      log: (data) => {
        const chunk = (data as { text?: unknown }).text;
        if (typeof chunk !== 'string') return;
        h.text(chunk, fresh);
        fresh = false;
      },
    },
  });
}

/** The tab's side of the shared worker; falls back to direct streams for good if the worker fails. */
class Streams {
  private port: MessagePort | null = null;
  private direct = typeof SharedWorker === 'undefined';
  private readonly eventSubs = new Map<(a: Action) => void, () => void>();
  private readonly logSubs = new Map<string, Map<LogHandlers, () => void>>();

  private send(m: TabMessage): void {
    this.port?.postMessage(m);
  }

  private connect(): void {
    let worker: SharedWorker;
    try {
      worker = new SharedWorker(new URL(import.meta.url), { type: 'module', name: 'banger-streams' });
    } catch {
      this.fallBack();
      return;
    }
    worker.onerror = () => this.fallBack();
    this.port = worker.port;
    this.port.onmessage = (e: MessageEvent<HubMessage>) => this.receive(e.data);
    this.port.start();
    this.send({ t: 'hello' });
    for (const name of this.logSubs.keys()) this.send({ t: 'log-sub', name });
  }

  private receive(m: HubMessage): void {
    if (m.t === 'events') for (const fn of this.eventSubs.keys()) fn({ event: 'local.batch', data: m.actions });
    else if (m.t === 'log') for (const h of this.logSubs.get(m.name)?.keys() ?? []) h.text(m.text, m.reset);
    else for (const h of this.logSubs.get(m.name)?.keys() ?? []) h.status(m.state);
  }

  /** Switches every current subscription to its own EventSource. */
  private fallBack(): void {
    if (this.direct) return;
    this.direct = true;
    this.port?.close();
    this.port = null;
    for (const fn of this.eventSubs.keys()) this.eventSubs.set(fn, directEvents(fn));
    for (const [name, hs] of this.logSubs) for (const h of hs.keys()) hs.set(h, directLog(name, h));
  }

  start(): void {
    if (this.direct) return;
    this.connect();
    setInterval(() => this.send({ t: 'ping', logs: [...this.logSubs.keys()] }), PING_MS);
    window.addEventListener('pagehide', () => this.send({ t: 'bye' }));
    // Back from the back/forward cache: the worker dropped us on `bye`; join again.
    window.addEventListener('pageshow', (e) => {
      if (e.persisted && !this.direct) this.connect();
    });
  }

  events(fn: (a: Action) => void): () => void {
    this.eventSubs.set(fn, this.direct ? directEvents(fn) : () => undefined);
    return () => {
      this.eventSubs.get(fn)?.();
      this.eventSubs.delete(fn);
    };
  }

  log(name: string, h: LogHandlers): () => void {
    let hs = this.logSubs.get(name);
    if (!hs) {
      hs = new Map();
      this.logSubs.set(name, hs);
      if (!this.direct) this.send({ t: 'log-sub', name });
    }
    hs.set(h, this.direct ? directLog(name, h) : () => undefined);
    return () => {
      const set = this.logSubs.get(name);
      set?.get(h)?.();
      set?.delete(h);
      if (set && set.size === 0) {
        this.logSubs.delete(name);
        if (!this.direct) this.send({ t: 'log-unsub', name });
      }
    };
  }
}

let streams: Streams | undefined;
function shared(): Streams {
  if (!streams) {
    streams = new Streams();
    streams.start();
  }
  return streams;
}

export const openEvents = (dispatch: (a: Action) => void): (() => void) => shared().events(dispatch);
export const openLog = (name: string, h: LogHandlers): (() => void) => shared().log(name, h);

/** The log text a tab keeps, from the stream's chunks. */
export const applyLogChunk = (old: string, chunk: string, reset: boolean): string => appendLog(reset ? '' : old, chunk);
