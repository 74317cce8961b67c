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
  text: string;
}

export interface Shared {
  state: AppState;
  dispatch: Dispatch<Action>;
  toast: (kind: Toast['kind'], text: string) => void;
  confirm: (o: ConfirmOptions) => Promise<ConfirmResult>;
}

export const SharedContext = createContext<Shared | null>(null);

export function useShared(): Shared {
  const s = useContext(SharedContext);
  if (!s) throw new Error('useShared outside <App>');
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
