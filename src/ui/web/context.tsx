/**
 * What every page shares: the store (events.ts), toasts and the confirm
 * dialog. One React context, no state library: the app is four pages and a reducer.
 */
import { createContext, useContext, useEffect, useState, type Dispatch, type ReactNode } from 'react';
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

/** The current time, re-rendering every `ms` (uptime columns tick). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
