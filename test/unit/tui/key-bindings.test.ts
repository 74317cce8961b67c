import { describe, expect, it } from 'vitest';
import { BINDINGS, HELP_LINE, helpSections, intentFor, splitKeys, visibleColumns } from '../../../tui/index.js';

describe('key bindings', () => {
  it.each([
    ['list', 'q', {}, 'quit'],
    ['details', 'q', {}, 'back'],
    ['list', '', { upArrow: true }, 'move'],
    ['list', '', { return: true }, 'open-details'],
    ['list', 's', {}, 'toggle-start'],
    ['list', 'p', {}, 'toggle-pause'],
    ['list', 'r', {}, 'restart'],
    ['list', 'd', {}, 'ask-delete'],
    ['confirm-delete', 'y', {}, 'confirm-delete'],
    ['confirm-delete', 'd', {}, 'back'],
    ['logs', 's', {}, 'none'],
    ['details', 'l', {}, 'open-logs'],
    ['logs', 'c', { ctrl: true }, 'quit'],
    ['list', 'x', {}, 'open-shell'],
    ['details', 'x', {}, 'open-shell'],
    ['list', '/', {}, 'open-filter'],
    ['list', '?', {}, 'open-help'],
    ['logs', '?', {}, 'open-help'],
    ['help', '?', {}, 'back'],
    ['help', '', { escape: true }, 'back'],
    ['help', 's', {}, 'none'],
    ['list', '', { escape: true }, 'filter-clear'],
    // While typing a filter, letters that are keys elsewhere are text.
    ['filter', 'q', {}, 'filter-type'],
    ['filter', 's', {}, 'filter-type'],
    ['filter', '', { delete: true }, 'filter-erase'],
    ['filter', '', { return: true }, 'filter-keep'],
    ['filter', '', { escape: true }, 'filter-clear'],
    ['filter', '', { upArrow: true }, 'none'],
    ['filter', 'c', { ctrl: true }, 'quit'],
  ] as const)('%s + %j %j -> %s', (mode, input, key, type) => {
    expect(intentFor(mode, input, key).type).toBe(type);
  });

  it('the footer and the help come from the table', () => {
    expect(HELP_LINE).toBe('↑/↓ select  enter details  s start/stop  p pause/resume  r restart  d delete  l log  x ssh  / filter  ? help  q quit');
    const titles = helpSections().map((s) => s.title);
    expect(titles).toEqual(['everywhere', 'VM list', 'details', 'console log', 'delete confirmation', 'filter (after /)', 'this help']);
    expect(helpSections()[0]!.rows).toEqual([{ keys: 'ctrl-c', does: 'quit' }]);
  });

  it('help texts are short enough for two columns on 80', () => {
    expect(BINDINGS.filter((b) => b.does.length > 20).map((b) => b.does)).toEqual([]);
  });

  it('splits plain text read in one go into keys; escape sequences and ctrl keys stay whole', () => {
    expect(splitKeys('/al', {})).toEqual([['/', {}], ['a', {}], ['l', {}]]);
    expect(splitKeys('\r?', {})).toEqual([['', { return: true }], ['?', {}]]);
    expect(splitKeys('ab\u007F', {})).toEqual([['a', {}], ['b', {}], ['', { delete: true }]]);
    expect(splitKeys('q', {})).toEqual([['q', {}]]);
    expect(splitKeys('', { upArrow: true })).toEqual([['', { upArrow: true }]]);
    expect(splitKeys('c', { ctrl: true })).toEqual([['c', { ctrl: true }]]);
  });

  it('drops right-hand columns first on a narrow terminal', () => {
    expect(visibleColumns(200).map((c) => c.key)).toContain('image');
    const narrow = visibleColumns(40).map((c) => c.key);
    expect(narrow.slice(0, 2)).toEqual(['name', 'state']);
    expect(narrow).not.toContain('image');
  });
});
