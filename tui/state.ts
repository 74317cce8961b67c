import { VM_STATES, type Image, type VMRecord, type VMState } from '../src/model/index.js';
import { matchesFilter, type ImageNames } from './format.js';
import type { Mode } from './key-bindings.js';
import type { ConnectionInfo, ConnectionState, VmStatsEvent, VmTransitionEvent } from './source.js';

/** The TUI's whole state, updated only by `reduce` (pure, unit-tested). */
export interface TuiState {
  /** Every VM, sorted by name; the table shows `visibleVms(state)`. */
  vms: VMRecord[];
  /** Image id → name, for the image column and the filter. */
  images: ImageNames;
  /** Index into `visibleVms(state)`. */
  selected: number;
  mode: Mode;
  /** Where `?` was pressed, to go back there when the help closes. */
  helpFrom?: Mode;
  /** The `/` filter; '' shows every VM. */
  filter: string;
  /** Select this VM once the list loads (the TUI coming back from a shell in it). */
  selectName?: string;
  connection: ConnectionState;
  /** Last few transitions per VM id, newest last. */
  transitions: Record<string, VmTransitionEvent[]>;
  message?: string;
  logText?: string;
}

export type TuiEvent =
  | { type: 'loaded'; vms: VMRecord[] }
  | { type: 'images'; images: Array<Pick<Image, 'id' | 'name'>> }
  | { type: 'transition'; e: VmTransitionEvent }
  | { type: 'stats'; e: VmStatsEvent }
  | { type: 'connection'; state: ConnectionState; info?: ConnectionInfo }
  | { type: 'select'; delta: number }
  | { type: 'mode'; mode: Mode }
  | { type: 'filter'; text: string }
  | { type: 'message'; text?: string }
  | { type: 'logs'; text: string };

export const MAX_TRANSITIONS = 20;

export const initialState: TuiState = { vms: [], images: {}, selected: 0, mode: 'list', filter: '', connection: 'connected', transitions: {} };

/** The rows the table shows: every VM, or those the filter matches. */
export function visibleVms(s: Pick<TuiState, 'vms' | 'filter' | 'images'>): VMRecord[] {
  return s.filter === '' ? s.vms : s.vms.filter((v) => matchesFilter(v, s.filter, s.images));
}

/** The selected VM, if any row is visible. */
export function selectedVm(s: TuiState): VMRecord | undefined {
  return visibleVms(s)[s.selected];
}

/**
 * After the rows changed (reload, filter, a state that no longer matches):
 * keep the cursor on the VM it was on when that VM is still shown, else on
 * the nearest visible row, so it never rests on a hidden one.
 */
function reselect(prev: TuiState, next: TuiState): TuiState {
  const rows = visibleVms(next);
  const wantedName = next.selectName;
  if (wantedName !== undefined && next.vms.length > 0) {
    const idx = rows.findIndex((v) => v.name === wantedName);
    const { selectName: _, ...rest } = next;
    return { ...rest, selected: idx >= 0 ? idx : 0 };
  }
  const current = selectedVm(prev)?.id;
  const idx = current ? rows.findIndex((v) => v.id === current) : -1;
  return { ...next, selected: idx >= 0 ? idx : Math.min(prev.selected, Math.max(0, rows.length - 1)) };
}

/** The stored lifecycle state a transition ends in, if it ends in one ("starting.network" → starting; "snapshotting" → none). */
function storedState(to: string): VMState | undefined {
  const head = to.split('.')[0];
  return (VM_STATES as readonly string[]).includes(head ?? '') ? (head as VMState) : undefined;
}

/**
 * runningSince as bangerd keeps it (src/daemon/wiring/store-port.ts), so uptime counts
 * from the start until the list reload brings the daemon's own time.
 */
function followRunningSince(runtime: VMRecord['runtime'], state: VMState | undefined, at: string): VMRecord['runtime'] {
  if (state === undefined || state === 'paused') return runtime;
  if (state === 'running') return runtime.runningSince ? runtime : { ...runtime, runningSince: at };
  const { runningSince: _, ...rest } = runtime;
  return rest;
}

export function reduce(s: TuiState, ev: TuiEvent): TuiState {
  switch (ev.type) {
    case 'loaded':
      return reselect(s, { ...s, vms: [...ev.vms].sort((a, b) => a.name.localeCompare(b.name)) });
    case 'images':
      return reselect(s, { ...s, images: Object.fromEntries(ev.images.map((i) => [i.id, i.name])) });
    case 'transition': {
      const list = [...(s.transitions[ev.e.vmId] ?? []), ev.e].slice(-MAX_TRANSITIONS);
      const stored = storedState(ev.e.to);
      const vms = s.vms.map((v) =>
        v.id === ev.e.vmId
          ? {
              ...v,
              // Transitions carry substates ("starting.network"); the row shows the lifecycle state.
              state: ev.e.to.split('.')[0] as VMRecord['state'],
              updatedAt: ev.e.at,
              runtime: { ...followRunningSince(v.runtime, stored, ev.e.at), ...(ev.e.error !== undefined ? { lastError: ev.e.error } : {}) },
            }
          : v,
      );
      // A filter on state can hide the row the cursor is on.
      return reselect(s, { ...s, vms, transitions: { ...s.transitions, [ev.e.vmId]: list } });
    }
    case 'stats':
      return { ...s, vms: s.vms.map((v) => (v.id === ev.e.vmId ? { ...v, stats: { ...v.stats, ...ev.e.stats } } : v)) };
    case 'connection':
      return { ...s, connection: ev.state, message: connectionMessage(ev.state, ev.info) };
    case 'select': {
      const rows = visibleVms(s);
      if (rows.length === 0) return s;
      return { ...s, selected: Math.max(0, Math.min(rows.length - 1, s.selected + ev.delta)) };
    }
    case 'mode': {
      const helpFrom = ev.mode === 'help' ? (s.mode === 'help' ? s.helpFrom : s.mode) : undefined;
      const { helpFrom: _, ...rest } = s;
      return { ...rest, mode: ev.mode, ...(helpFrom ? { helpFrom } : {}), ...(ev.mode === 'list' ? { logText: undefined } : {}) };
    }
    case 'filter':
      return reselect(s, { ...s, filter: ev.text });
    case 'message':
      return { ...s, message: ev.text };
    case 'logs':
      return { ...s, logText: ev.text };
  }
}

export function connectionMessage(state: ConnectionState, info: ConnectionInfo = {}): string {
  if (state === 'reconnecting') return 'daemon connection lost; reconnecting…';
  if (info.liveError) return `connected, but live updates are unavailable: ${info.liveError}`;
  return info.restarted ? 'daemon restarted, reconnected' : 'reconnected to the daemon';
}
