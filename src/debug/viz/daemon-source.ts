import type { MachineGraph } from '../../model/index.js';
import type { MethodParams, MethodResult, Notifications } from '../../rpc/methods.js';
import { DaemonLink, type DaemonLinkOptions, type LinkClient, type LinkStatus } from '../../rpc/daemon-link.js';
import type { VizActor, VizEvent, VizSource } from './types.js';

export interface DaemonVizSourceOptions {
  /** Opens a connection (`initial` true only for the first try). */
  connect(initial: boolean): Promise<LinkClient>;
  backoff?: DaemonLinkOptions['backoff'];
  /** Connection changes, for the command's console output. */
  onStatus?(status: LinkStatus): void;
}

export interface DaemonVizSource extends VizSource {
  close(): void;
}

/**
 * Dotted state path (as the daemon reports it, `starting.network`, parallel
 * regions joined by `|`) → the active state ids of the machine's graph,
 * outermost first: `vm.starting`, `vm.starting.network`.
 */
export function statePathToIds(machineId: string, path: string | null | undefined): string[] {
  if (!path || path === 'none') return [];
  const out: string[] = [];
  for (const region of path.split('|')) {
    let prefix = machineId;
    for (const key of region.split('.').filter(Boolean)) {
      prefix = `${prefix}.${key}`;
      if (!out.includes(prefix)) out.push(prefix);
    }
  }
  return out;
}

/** The daemon calls the visualizer makes (a DaemonLink's `call`, possibly shared with other views). */
export type VizCall = <M extends 'debug.machines' | 'debug.actors' | 'vm.list'>(method: M, params: MethodParams<M>) => Promise<MethodResult<M>>;

/**
 * The visualizer's state over a daemon link someone else owns: feed it the
 * link's notifications and status, and it serves graphs, actors and
 * transitions. `banger ui` shares one link between this and its VM table;
 * `createDaemonVizSource` gives it a link of its own.
 */
export interface VizTracker extends VizSource {
  handleNotification(method: string, params: unknown): void;
  handleStatus(status: LinkStatus): void;
}

/**
 * Machine definitions (`debug.machines`), live actors (`debug.actors`, VM
 * actors labelled with the VM name), and transitions from notifications:
 * `vm.transition` for VM actors (it carries the VM name and error) and
 * `debug.inspect` snapshots for the other machines. `start` is called on the
 * first subscribe (it starts the link).
 */
export function createVizTracker(call: VizCall, start: () => void = () => undefined): VizTracker {
  const listeners = new Set<(e: VizEvent) => void>();
  const resetListeners = new Set<() => void>();
  /** actor id → machine id, for actors that run a machine with a graph. */
  const machineOf = new Map<string, string>();
  /** actor id → last state path, to turn inspect snapshots into transitions. */
  const lastState = new Map<string, string>();
  const labels = new Map<string, string>();
  const emit = (e: VizEvent): void => {
    for (const l of listeners) l(e);
  };

  return {
    handleStatus(status) {
      if (status.state === 'connected' && status.reconnected) {
        // A new daemon has new actors and forgot the old states.
        lastState.clear();
        for (const r of resetListeners) r();
      }
    },
    handleNotification(method, params) {
      if (method === 'vm.transition') {
        const t = params as Notifications['vm.transition'];
        const actorId = `vm:${t.vmId}`;
        labels.set(actorId, t.name);
        machineOf.set(actorId, 'vm');
        lastState.set(actorId, t.to);
        emit({ actorId, machineId: 'vm', label: t.name, from: statePathToIds('vm', t.from), to: statePathToIds('vm', t.to), event: t.event, at: t.at });
        return;
      }
      if (method !== 'debug.inspect') return;
      const r = params as Notifications['debug.inspect'];
      // VM actors come through vm.transition; step actors (promises) have no graph to draw.
      if (r.type !== 'snapshot' || !r.state || r.actor.startsWith('vm:')) return;
      const machineId = machineOf.get(r.actor);
      if (!machineId) return;
      const from = lastState.get(r.actor);
      if (from === r.state) return;
      lastState.set(r.actor, r.state);
      const e: VizEvent = {
        actorId: r.actor,
        machineId,
        from: statePathToIds(machineId, from),
        to: statePathToIds(machineId, r.state),
        event: r.event ?? '?',
        at: new Date(r.at).toISOString(),
      };
      const label = labels.get(r.actor);
      if (label) e.label = label;
      emit(e);
    },
    graphs: (): Promise<MachineGraph[]> => call('debug.machines', {}),
    async actors(): Promise<VizActor[]> {
      const [actors, vms] = await Promise.all([call('debug.actors', {}), call('vm.list', {})]);
      for (const vm of vms) labels.set(`vm:${vm.id}`, vm.name);
      const out: VizActor[] = [];
      for (const a of actors) {
        machineOf.set(a.id, a.machineId);
        if (a.state) lastState.set(a.id, a.state);
        const v: VizActor = { actorId: a.id, machineId: a.machineId, states: statePathToIds(a.machineId, a.state) };
        const label = labels.get(a.id);
        if (label) v.label = label;
        out.push(v);
      }
      return out;
    },
    subscribe(onEvent, onReset) {
      listeners.add(onEvent);
      if (onReset) resetListeners.add(onReset);
      start();
      // Learn which actors run which machine before the first inspect record arrives.
      void call('debug.actors', {}).then(
        (actors) => {
          for (const a of actors) {
            if (!machineOf.has(a.id)) machineOf.set(a.id, a.machineId);
            if (a.state && !lastState.has(a.id)) lastState.set(a.id, a.state);
          }
        },
        () => undefined, // the page's own /api/actors call reports a failing daemon
      );
      return () => {
        listeners.delete(onEvent);
        if (onReset) resetListeners.delete(onReset);
      };
    },
  };
}

/** The visualizer's data from bangerd over a link of its own (`banger debug viz`); see createVizTracker. */
export function createDaemonVizSource(opts: DaemonVizSourceOptions): DaemonVizSource {
  // The link calls back only after start(), by which time `tracker` exists.
  const link = new DaemonLink({
    connect: opts.connect,
    topics: ['vm.transition', 'debug.inspect'],
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    onStatus(status) {
      opts.onStatus?.(status);
      tracker.handleStatus(status);
    },
    onNotification: (method, params) => tracker.handleNotification(method, params),
  });
  const tracker = createVizTracker((method, params) => link.call(method, params), () => link.start());
  const { graphs, actors, subscribe } = tracker;
  return { graphs, actors, subscribe, close: () => link.close() };
}
