import { describe, expect, it } from 'vitest';
import { ClientTable } from '../../../src/forward/index.js';

function table(idleMs = 60_000, max = 3) {
  let now = 0;
  const closed: string[] = [];
  const t = new ClientTable<string>({ idleMs, max, now: () => now, close: (v) => closed.push(v) });
  return { t, closed, advance: (ms: number) => (now += ms) };
}

describe('UDP client table', () => {
  it('gives each client address its own upstream, made once', () => {
    const { t } = table();
    let made = 0;
    const a1 = t.get('10.0.0.1:5000', () => `up${++made}`);
    const b = t.get('10.0.0.2:5000', () => `up${++made}`);
    const a2 = t.get('10.0.0.1:5000', () => `up${++made}`);
    expect([a1, b, a2, made, t.size]).toEqual(['up1', 'up2', 'up1', 2, 2]);
  });

  it('closes an entry idle for the timeout, keeps one a reply touched', () => {
    const { t, closed, advance } = table(60_000);
    t.get('a', () => 'A');
    t.get('b', () => 'B');
    advance(50_000);
    t.touch('b'); // a reply came back to b
    advance(10_000);
    expect(t.sweep()).toBe(1);
    expect(closed).toEqual(['A']);
    advance(49_999); // b was last seen at 50 s: it goes at 110 s
    expect(t.sweep()).toBe(0);
    advance(1);
    expect(t.sweep()).toBe(1);
    expect(closed).toEqual(['A', 'B']);
    expect(t.size).toBe(0);
  });

  it('past max entries closes the least recently used first', () => {
    const { t, closed, advance } = table(60_000, 2);
    t.get('a', () => 'A');
    advance(1);
    t.get('b', () => 'B');
    advance(1);
    t.get('a', () => 'A!'); // a used again: b is now the oldest
    t.get('c', () => 'C');
    expect(closed).toEqual(['B']);
    expect(t.size).toBe(2);
    t.clear();
    expect(closed.sort()).toEqual(['A', 'B', 'C']);
  });
});
