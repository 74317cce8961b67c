import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors/index.js';
import { flagExample, formatMiB, formatSize, GiB, MAX_DISK_BYTES, MiB, parseDiskSize, parseMemoryMiB, parseSize, SizeParseError } from '../../../src/model/index.js';

const KiB = 1024;
const TiB = 1024 * GiB;

describe('parseSize: the one grammar', () => {
  it.each([
    // a bare number is MiB, string or number
    ['1024', 1024 * MiB],
    [2048, 2048 * MiB],
    ['1.5', 1.5 * MiB],
    // single-letter units, either case
    ['100k', 100 * KiB],
    ['512M', 512 * MiB],
    ['8G', 8 * GiB],
    ['8g', 8 * GiB],
    ['2T', 2 * TiB],
    // IEC and "B" spellings, all binary
    ['4GiB', 4 * GiB],
    ['4gib', 4 * GiB],
    ['4GB', 4 * GiB],
    ['512MiB', 512 * MiB],
    ['64KiB', 64 * KiB],
    ['1TiB', TiB],
    ['4096B', 4096],
    ['4096b', 4096],
    // decimals, spaces
    ['1.5G', 1.5 * GiB],
    [' 2T ', 2 * TiB],
    ['8 GiB', 8 * GiB],
  ])('parses %j', (raw, bytes) => {
    expect(parseSize(raw)).toBe(bytes);
  });

  it.each(['', 'abc', '8X', '-1G', '1..5G', 'G', 'iB', '8iB', '8 G B', '0x10', '1e3', '8GiBs'])('rejects %j naming the accepted forms', (raw) => {
    expect(() => parseSize(raw)).toThrow(SizeParseError);
    try {
      parseSize(raw, { what: '--disk-size', example: flagExample('--disk-size') });
    } catch (err) {
      const e = err as SizeParseError;
      expect(e).toBeInstanceOf(InvalidInputError);
      expect(e.code).toBe('size.invalid');
      expect(e.message).toBe(`--disk-size ${JSON.stringify(raw)} is not a size`);
      expect(e.hint).toBe('give a number with K, M, G or T (binary: 1G = 1024M); a bare number is MiB, e.g. --disk-size 8G');
    }
  });

  it('rejects sizes above the maximum and names it', () => {
    expect(() => parseSize('3T')).toThrow(/more than the maximum 2T/);
    expect(parseSize('2T')).toBe(MAX_DISK_BYTES);
    expect(() => parseSize('99999999999999999999T')).toThrow(/maximum/);
  });

  it('honours min, max and the label', () => {
    expect(() => parseSize('1M', { min: 64 * MiB, what: 'disk size' })).toThrow(/^disk size 1M is less than the minimum 64M$/);
    expect(() => parseSize('2G', { max: GiB })).toThrow(/maximum 1G/);
    expect(() => parseSize('0')).toThrow(/less than the minimum/);
  });
});

describe('size errors name the fix', () => {
  const disk = (raw: string) => () => parseDiskSize(raw, '--disk-size', flagExample('--disk-size'));
  const mem = (raw: string) => () => parseMemoryMiB(raw, '--memory', flagExample('--memory'));

  it.each([
    // a bare number that is too small most likely lacks its unit
    [disk('10'), '--disk-size 10 (a bare number is MiB) is less than the minimum 256M', 'give a unit, e.g. --disk-size 10G'],
    // bytes as older banger read them: far too large as MiB
    [disk('8589934592'), '--disk-size 8589934592 (a bare number is MiB) is more than the maximum 2T', 'give a unit, e.g. --disk-size 8G (at most 2T)'],
    [disk('1M'), '--disk-size 1M is less than the minimum 256M', 'use 256M or more, e.g. --disk-size 8G'],
    [disk('999T'), '--disk-size 999T is more than the maximum 2T', 'use at most 2T, e.g. --disk-size 8G'],
    [mem('0'), '--memory 0 (a bare number is MiB) is less than the minimum 128M', 'give a unit, e.g. --memory 8G'],
    [mem('2'), '--memory 2 (a bare number is MiB) is less than the minimum 128M', 'give a unit, e.g. --memory 2G'],
    [mem('1T'), '--memory 1T is more than the maximum 256G', 'use at most 256G, e.g. --memory 8G'],
    [mem('1000K'), '--memory 1000K is less than the minimum 128M', 'use 128M or more, e.g. --memory 8G'],
    [mem('1048575K'), '--memory 1048575K is not a whole number of MiB', 'round it, e.g. --memory 1024M'],
  ])('%#', (parse, message, hint) => {
    try {
      parse();
      expect.unreachable();
    } catch (err) {
      expect((err as SizeParseError).message).toBe(message);
      expect((err as SizeParseError).hint).toBe(hint);
    }
  });

  it('returns memory in MiB and disks in bytes', () => {
    expect(parseMemoryMiB('2048', 'm')).toBe(2048);
    expect(parseMemoryMiB(2048, 'm')).toBe(2048);
    expect(parseMemoryMiB('2G', 'm')).toBe(2048);
    expect(parseMemoryMiB('1.5GiB', 'm')).toBe(1536);
    expect(parseDiskSize('8G', 'd')).toBe(8 * GiB);
    expect(parseDiskSize('8192', 'd')).toBe(8 * GiB);
    expect(parseDiskSize(512, 'd')).toBe(512 * MiB);
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
    [2 * GiB - 1, '2G'],
    [2 * TiB, '2T'],
  ])('formats %d as %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it('prints what the grammar reads back', () => {
    for (const s of ['1K', '64M', '8G', '1T', '1.5G', '512B']) expect(formatSize(parseSize(s))).toBe(s);
  });

  it('formats memory MiB the same way', () => {
    expect(formatMiB(2048)).toBe('2G');
    expect(formatMiB(256)).toBe('256M');
    expect(formatMiB(1536)).toBe('1.5G');
  });
});
