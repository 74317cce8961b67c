/**
 * Key handling as a pure function of the key and the current mode, so every
 * binding is unit-testable without a terminal.
 */
export type Mode = 'list' | 'details' | 'logs' | 'confirm-delete';

export type KeyIntent =
  | { type: 'move'; delta: number }
  | { type: 'open-details' }
  | { type: 'open-logs' }
  | { type: 'back' }
  | { type: 'toggle-start' }
  | { type: 'toggle-pause' }
  | { type: 'restart' }
  | { type: 'ask-delete' }
  | { type: 'confirm-delete' }
  | { type: 'quit' }
  | { type: 'none' };

export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
}

export function intentFor(mode: Mode, input: string, key: KeyInfo): KeyIntent {
  if (key.ctrl && input === 'c') return { type: 'quit' };
  if (mode === 'confirm-delete') {
    if (input === 'y') return { type: 'confirm-delete' };
    return { type: 'back' }; // anything else cancels: deleting must be deliberate
  }
  if (input === 'q') return mode === 'list' ? { type: 'quit' } : { type: 'back' };
  if (key.escape) return { type: 'back' };
  if (mode !== 'list') {
    if (mode === 'details' && input === 'l') return { type: 'open-logs' };
    return { type: 'none' };
  }
  if (key.upArrow || input === 'k') return { type: 'move', delta: -1 };
  if (key.downArrow || input === 'j') return { type: 'move', delta: 1 };
  if (key.return) return { type: 'open-details' };
  if (input === 's') return { type: 'toggle-start' };
  if (input === 'p') return { type: 'toggle-pause' };
  if (input === 'r') return { type: 'restart' };
  if (input === 'd') return { type: 'ask-delete' };
  if (input === 'l') return { type: 'open-logs' };
  return { type: 'none' };
}

export const HELP_LINE = '↑/↓ select  enter details  s start/stop  p pause/resume  r restart  d delete  l log  q quit';
