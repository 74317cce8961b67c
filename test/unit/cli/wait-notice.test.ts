import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startWaitNotice } from '../../../src/cli/wait-notice.js';

function stream(isTTY: boolean) {
  const out: string[] = [];
  return { out, s: { isTTY, columns: 80, write: (t: string) => (out.push(t), true) } };
}

describe('startWaitNotice (a wait longer than a second says what and how long)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('says nothing for a wait under a second', () => {
    const { out, s } = stream(true);
    const n = startWaitNotice('SSH on dev', 30_000, { stream: s, now: Date.now });
    vi.advanceTimersByTime(900);
    n.stop();
    expect(out).toEqual([]);
  });

  it('on a terminal: one line rewritten every second with elapsed and limit, erased at the end', () => {
    const { out, s } = stream(true);
    const n = startWaitNotice('SSH on dev', 60_000, { stream: s, now: Date.now });
    vi.advanceTimersByTime(12_000);
    expect(out[0]).toBe('\r\x1b[2K  waiting for SSH on dev (1 s of 60 s)…');
    expect(out.at(-1)).toBe('\r\x1b[2K  waiting for SSH on dev (12 s of 60 s)…');
    n.stop();
    expect(out.at(-1)).toBe('\r\x1b[2K');
  });

  it('elsewhere: a single line with the limit, once the wait has lasted 5 s', () => {
    const { out, s } = stream(false);
    const quick = startWaitNotice('SSH on dev', 30_000, { stream: s, now: Date.now });
    vi.advanceTimersByTime(4000);
    quick.stop();
    expect(out).toEqual([]);
    const n = startWaitNotice('SSH on dev', 30_000, { stream: s, now: Date.now });
    vi.advanceTimersByTime(10_000);
    n.stop();
    expect(out).toEqual(['  waiting for SSH on dev (up to 30 s)…\n']);
  });

  it('nothing under --json', () => {
    const { out, s } = stream(true);
    const n = startWaitNotice('SSH on dev', 30_000, { stream: s, enabled: false });
    vi.advanceTimersByTime(5000);
    n.stop();
    expect(out).toEqual([]);
  });
});
