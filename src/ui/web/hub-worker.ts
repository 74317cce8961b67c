/**
 * The shared worker: one /api/events stream and one log stream per VM for all
 * of the origin's tabs (see hub-protocol.ts for why), fanned out over
 * MessagePorts. It runs from the same bundle as the app (the server serves one
 * script), started by main.tsx when there is no document.
 */
import type { UiEvent } from '../contract.js';
import { vmPath } from './api.js';
import { HubMemory } from './hub-memory.js';
import type { Action } from './events.js';
import { batchMsFor, PORT_TIMEOUT_MS, type HubMessage, type TabMessage } from './hub-protocol.js';
import { appendLog } from './log-tail.js';
import { EVENT_NAMES, resilientSource } from './stream.js';

interface Tab {
  port: MessagePort;
  seen: number;
  logs: Set<string>;
}

interface LogStream {
  text: string;
  live: boolean;
  close: () => void;
}

export function runHub(scope: { onconnect: ((e: MessageEvent) => void) | null }): void {
  const tabs = new Map<MessagePort, Tab>();
  const memory = new HubMemory();
  const logs = new Map<string, LogStream>();
  let events: (() => void) | undefined;

  const post = (tab: Tab, m: HubMessage): void => tab.port.postMessage(m);
  const broadcast = (m: HubMessage): void => {
    for (const tab of tabs.values()) post(tab, m);
  };
  let pending: Action[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (pending.length === 0) return;
    const actions = pending;
    pending = [];
    broadcast({ t: 'events', actions });
  };
  const toAll = (action: Action): void => {
    memory.apply(action);
    pending.push(action);
    flushTimer ??= setTimeout(flush, batchMsFor(tabs.size));
  };

  const openEvents = (): void => {
    events ??= resilientSource('/api/events', {
      open: () => toAll({ event: 'local.stream', data: { state: 'connected' } }),
      down: () => toAll({ event: 'local.stream', data: { state: 'reconnecting' } }),
      events: Object.fromEntries(EVENT_NAMES.map((name) => [name, (data: unknown) => toAll({ event: name, data } as UiEvent)])),
    });
  };

  const logSubscribers = (name: string): Tab[] => [...tabs.values()].filter((t) => t.logs.has(name));
  const subscribeLog = (tab: Tab, name: string): void => {
    tab.logs.add(name);
    const existing = logs.get(name);
    if (existing) {
      post(tab, { t: 'log', name, text: existing.text, reset: true });
      post(tab, { t: 'log-status', name, state: existing.live ? 'live' : 'reconnecting' });
      return;
    }
    let fresh = true;
    const stream: LogStream = { text: '', live: false, close: () => undefined };
    logs.set(name, stream);
    stream.close = resilientSource(vmPath(name, '/log/stream'), {
      open: () => {
        fresh = true; // every (re)connect starts with the tail again
        stream.live = true;
        for (const t of logSubscribers(name)) post(t, { t: 'log-status', name, state: 'live' });
      },
      down: () => {
        stream.live = false;
        for (const t of logSubscribers(name)) post(t, { t: 'log-status', name, state: 'reconnecting' });
      },
      events: {
        log: (data) => {
          const chunk = (data as { text?: unknown }).text;
          if (typeof chunk !== 'string') return;
          const reset = fresh;
          fresh = false;
          stream.text = appendLog(reset ? '' : stream.text, chunk);
          for (const t of logSubscribers(name)) post(t, { t: 'log', name, text: chunk, reset });
        },
      },
    });
  };
  const unsubscribeLog = (tab: Tab, name: string): void => {
    tab.logs.delete(name);
    if (logSubscribers(name).length > 0) return;
    logs.get(name)?.close();
    logs.delete(name);
  };

  /** Forgets a tab (its port stays open: a tab that was only asleep comes back with its next ping). */
  const drop = (tab: Tab): void => {
    tabs.delete(tab.port);
    for (const name of [...tab.logs]) unsubscribeLog(tab, name);
  };

  // A closed tab does not always manage its `bye`: forget the silent ones.
  setInterval(() => {
    const now = Date.now();
    for (const tab of [...tabs.values()]) if (now - tab.seen > PORT_TIMEOUT_MS) drop(tab);
  }, PORT_TIMEOUT_MS / 2);

  scope.onconnect = (e: MessageEvent) => {
    const port = e.ports[0];
    if (!port) return;
    port.onmessage = (m: MessageEvent<TabMessage>) => {
      let tab = tabs.get(port);
      const msg = m.data;
      if (!tab) {
        if (msg.t === 'bye') return;
        // A new tab, or one back from the back/forward cache after we forgot it: bring it up to date.
        // What is pending goes to the others first: the newcomer's replay already includes it.
        flush();
        tab = { port, seen: Date.now(), logs: new Set() };
        tabs.set(port, tab);
        openEvents();
        post(tab, { t: 'events', actions: memory.replay() });
      }
      tab.seen = Date.now();
      switch (msg.t) {
        case 'bye':
          drop(tab);
          break;
        case 'ping':
          for (const name of msg.logs) if (!tab.logs.has(name)) subscribeLog(tab, name);
          break;
        case 'log-sub':
          subscribeLog(tab, msg.name);
          break;
        case 'log-unsub':
          unsubscribeLog(tab, msg.name);
          break;
        case 'hello':
          break;
      }
    };
    port.start();
  };
}
