import { describe, expect, it } from 'vitest';
import { newId, nowIso, shortId } from '../../../src/model/index.js';

describe('ids', () => {
  it('newId is 32 lowercase hex chars and unique', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('shortId is the first 8 characters', () => {
    expect(shortId('0123456789abcdef')).toBe('01234567');
  });

  it('nowIso uses the given clock', () => {
    expect(nowIso(() => Date.UTC(2026, 0, 2, 3, 4, 5, 6))).toBe('2026-01-02T03:04:05.006Z');
  });
});
