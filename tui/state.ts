import type { VMRecord } from '../src/model/index.js';
import type { Mode } from './key-bindings.js';
import type { ConnectionInfo, ConnectionState, VmStatsEvent, VmTransitionEvent } from './source.js';

/** The TUI's whole state, updated only by `reduce` (pure, unit-tested). */
export interface TuiState {
  vms: VMRecord[];
  selected: number;
  mode: Mode;
  connection: ConnectionState;
  /** Last few transitions per VM id, newest last. */
  transitions: Record<string, VmTransitionEvent[]>;
  message?: string;
  logText?: string;
}

export type TuiEvent =
  | { type: 'loaded'; vms: VMRecord[] }
  | { type: 'transition'; e: VmTransitionEvent }
  | { type: 'stats'; e: VmStatsEvent }
  | { type: 'connection'; state: ConnectionState; info?: ConnectionInfo }
  | { type: 'select'; delta: number }
  | { type: 'mode'; mode: Mode }
  | { type: 'message'; text?: string }
  | { type: 'logs'; text: string };

export const MAX_TRANSITIONS = 20;

export const initialState: TuiState = { vms: [], selected: 0, mode: 'list', connection: 'connected', transitions: {} };

export function reduce(s: TuiState, ev: TuiEvent): TuiState {
  switch (ev.type) {
    case 'loaded': {
      const vms = [...ev.vms].sort((a, b) => a.name.localeCompare(b.name));
      // Keep the cursor on the same VM when the list reloads.
      const current = s.vms[s.selected]?.id;
      const idx = current ? vms.findIndex((v) => v.id === current) : -1;
      return { ...s, vms, selected: idx >= 0 ? idx : Math.min(s.selected, Math.max(0, vms.length - 1)) };
    }
    case 'transition': {
      const list = [...(s.transitions[ev.e.vmId] ?? []), ev.e].slice(-MAX_TRANSITIONS);
      const vms = s.vms.map((v) =>
        v.id === ev.e.vmId
          ? {
              ...v,
              // Transitions carry substates ("starting.network"); the row shows the lifecycle state.
              state: ev.e.to.split('.')[0] as VMRecord['state'],
              updatedAt: ev.e.at,
              runtime: { ...v.runtime, ...(ev.e.error !== undefined ? { lastError: ev.e.error } : {}) },
            }
          : v,
      );
      return { ...s, vms, transitions: { ...s.transitions, [ev.e.vmId]: list } };
    }
    case 'stats':
      return { ...s, vms: s.vms.map((v) => (v.id === ev.e.vmId ? { ...v, stats: { ...v.stats, ...ev.e.stats } } : v)) };
    case 'connection':
      return { ...s, connection: ev.state, message: connectionMessage(ev.state, ev.info) };
    case 'select': {
      if (s.vms.length === 0) return s;
      const next = Math.max(0, Math.min(s.vms.length - 1, s.selected + ev.delta));
      return { ...s, selected: next };
    }
    case 'mode':
      return { ...s, mode: ev.mode, ...(ev.mode === 'list' ? { logText: undefined } : {}) };
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
