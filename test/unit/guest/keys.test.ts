import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../src/guest/keys.js';

describe('generateKeyPair', () => {
  it('every pair parses back (ssh2 alone writes about 4 in 1000 keys its parser rejects)', () => {
    const unreadable = Array.from({ length: 2000 }, () => generateKeyPair()).filter((p) => ssh2.utils.parseKey(p.private) instanceof Error);
    expect(unreadable).toEqual([]);
  });
});
