import { describe, expect, it } from 'vitest';
import { formatSize, GiB, MAX_DISK_BYTES, MiB, parseSize, SizeParseError } from '../../../src/model/index.js';

describe('parseSize', () => {
  it.each([
    ['1024', 1024],
    ['100k', 100 * 1024],
    ['512M', 512 * MiB],
    ['8G', 8 * GiB],
    ['8g', 8 * GiB],
    ['4GiB', 4 * GiB],
    ['1.5G', 1.5 * GiB],
    [' 2T ', 2 * 1024 * GiB],
  ])('parses %j', (raw, bytes) => {
    expect(parseSize(raw)).toBe(bytes);
  });

  it.each(['', 'abc', '8X', '-1G', '1..5G', 'G'])('rejects %j with a message naming the accepted forms', (raw) => {
    expect(() => parseSize(raw)).toThrow(/use a number with K, M, G or T/);
  });

  it('rejects sizes above the maximum and names it', () => {
    expect(() => parseSize('3T')).toThrow(SizeParseError);
    expect(() => parseSize('3T')).toThrow(/maximum is 2T/);
    expect(parseSize('2T')).toBe(MAX_DISK_BYTES);
  });

  it('honours min, max and the label', () => {
    expect(() => parseSize('1M', { min: 64 * MiB, what: 'disk size' })).toThrow(/^disk size 1M is too small; the minimum is 64M/);
    expect(() => parseSize('2G', { max: GiB })).toThrow(/maximum is 1G/);
    expect(() => parseSize('0')).toThrow(/too small/);
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0'],
    [512, '512B'],
    [1024, '1K'],
    [512 * MiB, '512M'],
    [8 * GiB, '8G'],
    [1.5 * GiB, '1.5G'],
    [2 * 1024 * GiB, '2T'],
  ])('formats %d as %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it('round-trips exact units', () => {
    for (const s of ['1K', '64M', '8G', '1T']) expect(formatSize(parseSize(s))).toBe(s);
  });
});
