import type { VMRecord } from '../src/model/index.js';
import type { Notifications } from '../src/rpc/methods.js';
import { DaemonLink, type DaemonLinkOptions, type LinkClient } from '../src/rpc/daemon-link.js';
import type { ConnectionInfo, ConnectionState, TuiSource, VmAction, VmStatsEvent, VmTransitionEvent } from './source.js';

export interface DaemonSourceOptions {
  /** Opens a connection (`initial` true only for the first try). See DaemonLinkOptions.connect. */
  connect(initial: boolean): Promise<LinkClient>;
  backoff?: DaemonLinkOptions['backoff'];
}

type Handlers = Parameters<TuiSource['subscribe']>[0];

/** A TuiSource over bangerd, plus `close()` for when the TUI exits. */
export interface DaemonTuiSource extends TuiSource {
  close(): void;
}

/**
 * The TUI's view of bangerd: `vm.list` for rows, `vm.transition` and
 * `vm.stats` notifications to update them (no polling), and the lifecycle
 * methods for the keys. The connection is rebuilt when the daemon restarts;
 * the app hears `reconnecting` then `connected` and reloads the list.
 */
export function createDaemonSource(opts: DaemonSourceOptions): DaemonTuiSource {
  const subscribers = new Set<Handlers>();
  let lastConnection: { state: ConnectionState; info?: ConnectionInfo } | undefined;
  const tell = (state: ConnectionState, info?: ConnectionInfo): void => {
    // Only changes matter to the view: one "reconnecting" per outage, not one per attempt.
    if (lastConnection?.state === state && state === 'reconnecting') return;
    lastConnection = { state, ...(info ? { info } : {}) };
    for (const h of subscribers) h.onConnection(state, info);
  };

  const link = new DaemonLink({
    connect: opts.connect,
    topics: ['vm.transition', 'vm.stats'],
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    onNotification(method, params) {
      if (method === 'vm.transition') {
        const t = params as Notifications['vm.transition'];
        const e: VmTransitionEvent = { vmId: t.vmId, name: t.name, from: t.from, to: t.to, event: t.event, at: t.at };
        if (t.error !== undefined) e.error = t.error;
        for (const h of subscribers) h.onTransition(e);
      } else if (method === 'vm.stats') {
        const s = params as Notifications['vm.stats'];
        const e: VmStatsEvent = { vmId: s.vmId, stats: s.stats };
        for (const h of subscribers) h.onStats(e);
      }
    },
    onStatus(status) {
      if (status.state === 'reconnecting') {
        // Before the first connect the app is still loading; it shows list errors itself.
        if (lastConnection) tell('reconnecting', { error: status.error });
        return;
      }
      const info: ConnectionInfo = { restarted: status.restarted };
      if (status.liveError) info.liveError = status.liveError;
      if (!status.reconnected) {
        lastConnection = { state: 'connected', info };
        if (status.liveError) for (const h of subscribers) h.onConnection('connected', info);
        return;
      }
      tell('connected', info);
    },
  });

  return {
    async list(): Promise<VMRecord[]> {
      // ready() resolves after events.subscribe, so no transition between list and subscribe is lost.
      return link.call('vm.list', {});
    },
    async images() {
      return (await link.call('image.list', {})).map(({ id, name }) => ({ id, name }));
    },
    subscribe(handlers) {
      subscribers.add(handlers);
      link.start();
      return () => {
        subscribers.delete(handlers);
      };
    },
    async act(action: VmAction, name: string): Promise<void> {
      // Every action is the RPC method of the same name, taking the VM's name.
      await link.call(`vm.${action}`, { name });
    },
    async logs(name: string, tailBytes: number): Promise<string> {
      return (await link.call('vm.logs', { name, tailBytes }, { timeoutMs: 10_000 })).text;
    },
    close: () => link.close(),
  };
}
