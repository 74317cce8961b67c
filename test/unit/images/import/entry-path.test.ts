import { describe, expect, it } from 'vitest';
import { entrySegments, whiteoutOf } from '../../../../src/images/import/entry-path.js';

describe('entrySegments', () => {
  it.each([
    ['./etc/passwd', ['etc', 'passwd']],
    ['/etc//passwd', ['etc', 'passwd']],
    ['./', []],
    ['a/./b/', ['a', 'b']],
  ])('%j → %j', (name, segs) => {
    expect(entrySegments(name)).toEqual(segs);
  });
  it.each([
    ['../x', /climbs out/],
    ['a/../b', /climbs out/],
    ['a/b\nc', /control characters/],
    ['a/\x7f', /control characters/],
    [`a/${'x'.repeat(256)}`, /longer than 255 bytes/],
  ])('refuses %j', (name, msg) => {
    expect(() => entrySegments(name)).toThrow(msg);
  });
  it('names the given entry in the error', () => {
    expect(() => entrySegments('../t', 'hardlink target', 'h')).toThrow(/entry "h" has a hardlink target/);
  });
});

describe('whiteoutOf', () => {
  it('recognises opaque markers and file whiteouts', () => {
    expect(whiteoutOf(['a', '.wh..wh..opq'])).toEqual({ kind: 'opaque', dir: ['a'] });
    expect(whiteoutOf(['a', '.wh.b'])).toEqual({ kind: 'remove', dir: ['a'], name: 'b' });
    expect(whiteoutOf(['a', 'b'])).toBeUndefined();
    expect(whiteoutOf(['.wh.'])).toBeUndefined();
  });
});
