/**
 * What every page shares: the store (events.ts), toasts and the confirm
 * dialog. One React context, no state library: the app is four pages and a reducer.
 */
import { createContext, useContext, useSyncExternalStore, type Dispatch, type ReactNode } from 'react';
import type { Action, AppState } from './events.js';

export interface ConfirmInput {
  testId: string;
  label: string;
  placeholder?: string;
  required?: boolean;
  /** Returns a problem to show, or null. */
  validate?: (v: string) => string | null;
}
export interface ConfirmOptions {
  title: string;
  body?: ReactNode;
  ok: string;
  danger?: boolean;
  input?: ConfirmInput;
}
export type ConfirmResult = { ok: false } | { ok: true; value: string };

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  /** What failed ("fork dev-1"), shown before the text. */
  title?: string;
  /** For errors: the daemon's message and hint, as `errorText` joins them. */
  text: string;
}

/** Stable for the app's life, so components that only act (row buttons) do not re-render on every event. */
export interface Actions {
  dispatch: Dispatch<Action>;
  toast: (kind: Toast['kind'], text: string, title?: string) => void;
  confirm: (o: ConfirmOptions) => Promise<ConfirmResult>;
}

export const ActionsContext = createContext<Actions | null>(null);
export const StateContext = createContext<AppState | null>(null);

export function useActions(): Actions {
  const a = useContext(ActionsContext);
  if (!a) throw new Error('useActions outside <App>');
  return a;
}

export function useAppState(): AppState {
  const s = useContext(StateContext);
  if (!s) throw new Error('useAppState outside <App>');
  return s;
}

/**
 * One clock for the whole tab: a single interval, so 200 ticking uptimes are
 * one render a second, not 200 renders at scattered instants.
 */
const clock = { now: Date.now(), subscribers: new Set<() => void>(), timer: undefined as ReturnType<typeof setInterval> | undefined };

function subscribeClock(fn: () => void): () => void {
  clock.subscribers.add(fn);
  clock.timer ??= setInterval(() => {
    clock.now = Date.now();
    for (const f of clock.subscribers) f();
  }, 1000);
  return () => {
    clock.subscribers.delete(fn);
    if (clock.subscribers.size === 0) {
      clearInterval(clock.timer);
      clock.timer = undefined;
    }
  };
}

/** The current time, re-rendering once a second with every other user of the clock. */
export function useNow(): number {
  return useSyncExternalStore(subscribeClock, () => clock.now);
}
