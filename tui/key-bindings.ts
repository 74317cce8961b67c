/**
 * Every key of the TUI in one table. Key handling (`intentFor`), the footer
 * hint (`HELP_LINE`) and the `?` overlay (`helpSections`) are all read from
 * it, so what the help says and what a key does cannot drift apart.
 */
export type Mode = 'list' | 'details' | 'logs' | 'confirm-delete' | 'filter' | 'help';

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
  | { type: 'open-shell' }
  | { type: 'open-help' }
  | { type: 'open-filter' }
  | { type: 'filter-type'; text: string }
  | { type: 'filter-erase' }
  | { type: 'filter-keep' }
  | { type: 'filter-clear' }
  | { type: 'quit' }
  | { type: 'none' };

/** The parts of Ink's `Key` the bindings look at. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

export interface Binding {
  /** The key as the help shows it. */
  keys: string;
  /** What it does, as the help shows it: at most 20 characters, so the two columns fit 80 (tested). */
  does: string;
  modes: readonly Mode[];
  match(input: string, key: KeyInfo): boolean;
  intent: KeyIntent | ((input: string) => KeyIntent);
  /** Its entry in the list view's footer, when it has one. */
  hint?: string;
}

const MODES: readonly Mode[] = ['list', 'details', 'logs', 'confirm-delete', 'filter', 'help'];
const is = (ch: string) => (input: string, key: KeyInfo) => input === ch && !key.ctrl && !key.meta;

/** Text for the filter: what a terminal sends for typed (or pasted) characters, not control keys. */
function printable(input: string, key: KeyInfo): boolean {
  return input.length > 0 && !key.ctrl && !key.meta && !key.return && !key.escape && !key.tab && !/[\u0000-\u001F\u007F]/.test(input);
}

/** First match wins: mode-specific catch-alls (filter text, delete confirmation) come before the list keys. */
export const BINDINGS: readonly Binding[] = [
  { keys: 'ctrl-c', does: 'quit', modes: MODES, match: (i, k) => k.ctrl === true && i === 'c', intent: { type: 'quit' } },

  // Deleting must be deliberate: only y deletes, any other key cancels.
  { keys: 'y', does: 'delete VM and disks', modes: ['confirm-delete'], match: is('y'), intent: { type: 'confirm-delete' } },
  { keys: 'other keys', does: 'cancel', modes: ['confirm-delete'], match: () => true, intent: { type: 'back' } },

  // While typing a filter every printable key is text, q and ? included.
  { keys: 'enter', does: 'keep the filter', modes: ['filter'], match: (_, k) => k.return === true, intent: { type: 'filter-keep' } },
  { keys: 'esc', does: 'clear the filter', modes: ['filter'], match: (_, k) => k.escape === true, intent: { type: 'filter-clear' } },
  {
    keys: 'backspace',
    does: 'erase a character',
    modes: ['filter'],
    // Ink reports the usual backspace (DEL, 0x7f) as `delete`.
    match: (_, k) => k.backspace === true || k.delete === true,
    intent: { type: 'filter-erase' },
  },
  { keys: 'text', does: 'name, image or state', modes: ['filter'], match: printable, intent: (text) => ({ type: 'filter-type', text }) },

  { keys: '? esc q', does: 'close this help', modes: ['help'], match: (i, k) => i === '?' || i === 'q' || k.escape === true, intent: { type: 'back' } },

  { keys: '↑ k', does: 'select the row above', modes: ['list'], match: (i, k) => k.upArrow === true || is('k')(i, k), intent: { type: 'move', delta: -1 }, hint: '↑/↓ select' },
  { keys: '↓ j', does: 'select the row below', modes: ['list'], match: (i, k) => k.downArrow === true || is('j')(i, k), intent: { type: 'move', delta: 1 } },
  { keys: 'enter', does: 'details of the VM', modes: ['list'], match: (_, k) => k.return === true, intent: { type: 'open-details' }, hint: 'enter details' },
  { keys: 's', does: 'start or stop', modes: ['list'], match: is('s'), intent: { type: 'toggle-start' }, hint: 's start/stop' },
  { keys: 'p', does: 'pause or resume', modes: ['list'], match: is('p'), intent: { type: 'toggle-pause' }, hint: 'p pause/resume' },
  { keys: 'r', does: 'restart', modes: ['list'], match: is('r'), intent: { type: 'restart' }, hint: 'r restart' },
  { keys: 'd', does: 'delete (asks first)', modes: ['list'], match: is('d'), intent: { type: 'ask-delete' }, hint: 'd delete' },
  { keys: 'l', does: 'console log', modes: ['list', 'details'], match: is('l'), intent: { type: 'open-logs' }, hint: 'l log' },
  // s, the usual shell key, is start/stop here; x as in "exec".
  { keys: 'x', does: 'shell in it (vm ssh)', modes: ['list', 'details'], match: is('x'), intent: { type: 'open-shell' }, hint: 'x ssh' },
  { keys: '/', does: 'filter the list', modes: ['list'], match: is('/'), intent: { type: 'open-filter' }, hint: '/ filter' },
  { keys: '?', does: 'this help', modes: ['list', 'details', 'logs'], match: is('?'), intent: { type: 'open-help' }, hint: '? help' },
  { keys: 'esc', does: 'clear the filter', modes: ['list'], match: (_, k) => k.escape === true, intent: { type: 'filter-clear' } },
  { keys: 'q', does: 'quit', modes: ['list'], match: is('q'), intent: { type: 'quit' }, hint: 'q quit' },
  { keys: 'esc q', does: 'back to the list', modes: ['details', 'logs'], match: (i, k) => k.escape === true || is('q')(i, k), intent: { type: 'back' }, hint: 'esc back' },
];

/**
 * One read of the terminal as separate keys. Ink hands over plain text that arrived in one read as
 * one `input` (a paste, fast typing, tmux send-keys): "/al" is "/" then text, and "\r?" is Enter then
 * ?, so each character goes through the bindings on its own. Escape sequences and ctrl/meta keys are
 * single keys already.
 */
export function splitKeys(input: string, key: KeyInfo): Array<[string, KeyInfo]> {
  if ([...input].length <= 1 || input.includes('\u001B') || key.ctrl || key.meta) return [[input, key]];
  return [...input].map((ch): [string, KeyInfo] => {
    if (ch === '\r' || ch === '\n') return ['', { return: true }];
    if (ch === '\u007F' || ch === '\b') return ['', { delete: true }];
    if (ch === '\t') return ['', { tab: true }];
    return [ch, {}];
  });
}

export function intentFor(mode: Mode, input: string, key: KeyInfo): KeyIntent {
  for (const b of BINDINGS) {
    if (!b.modes.includes(mode) || !b.match(input, key)) continue;
    return typeof b.intent === 'function' ? b.intent(input) : b.intent;
  }
  return { type: 'none' };
}

/** A view's footer: the hints of the keys that work in `mode`. */
export function hintLine(mode: Mode): string {
  return BINDINGS.filter((b) => b.hint !== undefined && b.modes.includes(mode))
    .map((b) => b.hint)
    .join('  ');
}

/** The list view's footer. */
export const HELP_LINE = hintLine('list');

const SECTION_TITLES: Record<Mode, string> = {
  list: 'VM list',
  details: 'details',
  logs: 'console log',
  filter: 'filter (after /)',
  'confirm-delete': 'delete confirmation',
  help: 'this help',
};

export interface HelpSection {
  title: string;
  rows: Array<{ keys: string; does: string }>;
}

/** The `?` overlay: bindings of every mode under the mode's title; keys that work everywhere first. */
export function helpSections(): HelpSection[] {
  const everywhere = BINDINGS.filter((b) => b.modes.length === MODES.length);
  const sections: HelpSection[] = [{ title: 'everywhere', rows: everywhere.map(({ keys, does }) => ({ keys, does })) }];
  for (const mode of MODES) {
    const rows = BINDINGS.filter((b) => b.modes.length < MODES.length && b.modes.includes(mode)).map(({ keys, does }) => ({ keys, does }));
    sections.push({ title: SECTION_TITLES[mode], rows });
  }
  return sections;
}
