import { describe, expect, it } from 'vitest';
import { intentFor, visibleColumns } from '../../../tui/index.js';

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
  ] as const)('%s + %j %j -> %s', (mode, input, key, type) => {
    expect(intentFor(mode, input, key).type).toBe(type);
  });

  it('drops right-hand columns first on a narrow terminal', () => {
    expect(visibleColumns(200).map((c) => c.key)).toContain('image');
    const narrow = visibleColumns(40).map((c) => c.key);
    expect(narrow.slice(0, 2)).toEqual(['name', 'state']);
    expect(narrow).not.toContain('image');
  });
});
