/**
 * The app's one store: a pure reducer over the server-sent events of
 * /api/events (src/ui/contract.ts) plus the few facts the app loads itself.
 * Pure so it is unit-tested without a browser; stream.ts feeds it.
 */
import type { Image, UiEvent, VMRecord } from '../contract.js';
import type { VizActor, VizEvent } from '../../debug/viz/types.js';

/** One CPU/memory sample for a VM's charts. */
export interface StatPoint {
  at: number;
  cpu?: number;
  rss?: number;
}

export interface ImageProgress {
  step: string;
  detail?: string;
  fraction?: number;
  at: number;
}

export type DaemonState = 'connecting' | 'connected' | 'reconnecting';

export interface AppState {
  /** Sorted by name. */
  vms: VMRecord[];
  /** Until the first `vms` event the VM table is unknown (not empty). */
  vmsLoaded: boolean;
  images: Image[];
  imagesLoaded: boolean;
  /** Last ~60 samples per VM id. */
  stats: Record<string, StatPoint[]>;
  progress: Record<string, ImageProgress>;
  actors: Record<string, VizActor>;
  /** Newest first, capped. */
  transitions: VizEvent[];
  daemon: DaemonState;
  daemonError?: string | undefined;
}

export const STATS_POINTS = 60;
export const TRANSITION_LOG = 200;

export const initialState: AppState = {
  vms: [],
  vmsLoaded: false,
  images: [],
  imagesLoaded: false,
  stats: {},
  progress: {},
  actors: {},
  transitions: [],
  daemon: 'connecting',
};

/** Everything the reducer takes: the server's events plus the app's own loads and the stream's status. */
export type Action =
  | UiEvent
  | { event: 'local.stream'; data: { state: DaemonState } }
  | { event: 'local.images'; data: { images: Image[] } }
  | { event: 'local.vm'; data: { vm: VMRecord } }
  | { event: 'local.actors'; data: { actors: VizActor[] } };

const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);

function upsertVm(vms: VMRecord[], vm: VMRecord): VMRecord[] {
  const rest = vms.filter((v) => v.id !== vm.id);
  return [...rest, vm].sort(byName);
}

function pushStat(list: StatPoint[] | undefined, p: StatPoint): StatPoint[] {
  const next = [...(list ?? []), p];
  return next.length > STATS_POINTS ? next.slice(next.length - STATS_POINTS) : next;
}

export function reduce(s: AppState, a: Action, now: number = Date.now()): AppState {
  switch (a.event) {
    case 'vms': {
      const ids = new Set(a.data.vms.map((v) => v.id));
      const stats = Object.fromEntries(Object.entries(s.stats).filter(([id]) => ids.has(id)));
      return { ...s, vms: [...a.data.vms].sort(byName), vmsLoaded: true, stats };
    }
    case 'vm':
    case 'local.vm':
      return { ...s, vms: upsertVm(s.vms, a.data.vm) };
    case 'vm.removed': {
      const { [a.data.id]: _gone, ...stats } = s.stats;
      return { ...s, vms: s.vms.filter((v) => v.id !== a.data.id), stats };
    }
    case 'vm.stats': {
      const { vmId, stats, state } = a.data;
      const at = stats.collectedAt ? Date.parse(stats.collectedAt) : now;
      const point: StatPoint = { at, ...(stats.cpuPercent !== undefined ? { cpu: stats.cpuPercent } : {}), ...(stats.rssBytes !== undefined ? { rss: stats.rssBytes } : {}) };
      const vms = s.vms.map((v) => (v.id === vmId ? { ...v, state, stats: { ...v.stats, ...stats } } : v));
      return { ...s, vms, stats: { ...s.stats, [vmId]: pushStat(s.stats[vmId], point) } };
    }
    case 'vm.transition':
      // The row itself comes as a `vm` event; transitions feed the machines page's log through `actor`.
      return s;
    case 'image.progress': {
      const { image, ...rest } = a.data;
      return { ...s, progress: { ...s.progress, [image]: { ...rest, at: now } } };
    }
    case 'images':
    case 'local.images': {
      const names = new Set(a.data.images.map((i) => i.name));
      // A finished build's progress goes once its image is listed.
      const progress = Object.fromEntries(Object.entries(s.progress).filter(([name, p]) => !(names.has(name) && p.fraction === 1)));
      return { ...s, images: [...a.data.images].sort(byName), imagesLoaded: true, progress };
    }
    case 'actor': {
      const e = a.data;
      const prev = s.actors[e.actorId];
      const actor: VizActor = { actorId: e.actorId, machineId: e.machineId, states: e.to, ...(e.label ?? prev?.label ? { label: e.label ?? prev?.label } : {}) };
      return { ...s, actors: { ...s.actors, [e.actorId]: actor }, transitions: [e, ...s.transitions].slice(0, TRANSITION_LOG) };
    }
    case 'local.actors':
      return { ...s, actors: Object.fromEntries(a.data.actors.map((x) => [x.actorId, x])) };
    case 'daemon':
      return { ...s, daemon: a.data.state, daemonError: a.data.error };
    case 'local.stream':
      // The browser's own link to the server: while it is down the daemon's state is unknown. On (re)open the
      // server's `daemon` and `vms` events follow and correct this.
      return { ...s, daemon: a.data.state };
  }
}

/** Actors per state id, for the machines page's badges. */
export function actorCounts(actors: Record<string, VizActor>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of Object.values(actors)) for (const st of a.states) counts.set(st, (counts.get(st) ?? 0) + 1);
  return counts;
}
