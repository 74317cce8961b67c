import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeLz4Block, decodeLz4Legacy, Lz4Error, LZ4_LEGACY_MAGIC } from '../../../../src/images/kernel/lz4.js';
import { skipReason } from '../../../helpers/vmm-capabilities.js';

const u8 = (...parts: (number[] | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const block = (src: Buffer, cap = 1 << 16) => {
  const out = Buffer.alloc(cap);
  return out.subarray(0, decodeLz4Block(src, out)).toString('latin1');
};
/** A legacy frame around raw blocks, with the kernel's decompressed-size trailer. */
function frame(blocks: Buffer[], trailer = 0x03000000): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(LZ4_LEGACY_MAGIC);
  const parts = blocks.flatMap((b) => {
    const n = Buffer.alloc(4);
    n.writeUInt32LE(b.length);
    return [n, b];
  });
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(trailer);
  return Buffer.concat([head, ...parts, tail]);
}

const lz4Missing = spawnSync('lz4', ['--version']).error ? 'the lz4 tool is not installed (apt-get install lz4)' : undefined;

describe('LZ4 block decoder: known vectors', () => {
  it('literals only', () => {
    expect(block(u8([0x50], 'hello'))).toBe('hello');
  });

  it('a match after literals, and an overlapping match (a run)', () => {
    // "abc" then offset 3, length 4+5 = 9: "abcabcabcabc"; then a final literal "!".
    expect(block(u8([0x35], 'abc', [3, 0], [0x10], '!'))).toBe('abcabcabcabc!');
    // "a" then offset 1, length 4+11 = 15: sixteen a's.
    expect(block(u8([0x1b], 'a', [1, 0]))).toBe('a'.repeat(16));
  });

  it('extended literal and match lengths (15 + 255 + n)', () => {
    const lits = 'x'.repeat(15 + 255 + 10);
    expect(block(u8([0xf0, 255, 10], lits))).toBe(lits);
    // literal "y", offset 1, match 4 + 15 + 255 + 1 = 275.
    expect(block(u8([0x1f], 'y', [1, 0], [255, 1]))).toBe('y'.repeat(276));
  });

  it('a legacy frame: blocks in order, concatenated frames, the size trailer ignored', () => {
    const f = frame([u8([0x50], 'hello'), u8([0x60], ' world')]);
    expect(decodeLz4Legacy(f).toString()).toBe('hello world');
    expect(decodeLz4Legacy(Buffer.concat([f.subarray(0, -4), f])).toString()).toBe('hello worldhello world');
  });
});

describe('LZ4 malformed input: a clear Lz4Error, never a hang', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['match offset 0', u8([0x44], 'abcd', [0, 0]), /offset 0 points before/],
    ['offset before the output start', u8([0x44], 'abcd', [9, 0]), /offset 9 points before the output start/],
    ['literals past the end', u8([0x50], 'hel'), /literals run past the block end/],
    ['truncated extended length', u8([0xf0, 255, 255]), /truncated length/],
    ['truncated offset', u8([0x44], 'abcd', [1]), /truncated match offset/],
  ];
  for (const [name, src, re] of cases) {
    it(name, () => expect(() => block(src)).toThrow(re));
  }

  it('output past the buffer', () => {
    expect(() => block(u8([0x1f], 'y', [1, 0], [255, 255, 0]), 64)).toThrow(/output larger than 64 bytes/);
  });

  it('a block that would decompress past 8 MiB', () => {
    // 33,000 bytes of 255: a match of ~8.4 MB from one sequence.
    const huge = Buffer.concat([u8([0x1f], 'z', [1, 0]), Buffer.alloc(33_000, 255), u8([0])]);
    expect(() => decodeLz4Legacy(frame([huge]))).toThrow(/block 0 .*output larger than 8388608 bytes/);
  });

  it('frames without the magic or without a block', () => {
    expect(() => decodeLz4Legacy(u8([0x1f, 0x8b, 8, 0]))).toThrow(/magic 0x184C2102 missing/);
    expect(() => decodeLz4Legacy(u8([2, 0x21, 0x4c, 0x18]))).toThrow(/has no block/);
    expect(() => decodeLz4Legacy(u8([2, 0x21, 0x4c, 0x18], [0xff, 0xff, 0, 0], 'abc'))).toThrow(/first block size 65535 does not fit/);
  });

  it('random corruption of a valid frame ends in a value or an Lz4Error, quickly', () => {
    const good = frame([u8([0x35], 'abc', [3, 0], [0x1f], '!', [1, 0], [200]), u8([0xf0, 20], 'q'.repeat(35))]);
    const started = Date.now();
    for (let i = 0; i < 2000; i++) {
      const bad = Buffer.from(good);
      for (let k = 0; k < 3; k++) bad[4 + Math.floor(Math.random() * (bad.length - 4))] = Math.floor(Math.random() * 256);
      try {
        decodeLz4Legacy(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(Lz4Error);
      }
    }
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe.skipIf(skipReason(lz4Missing))('LZ4 decoder against the lz4 tool (lz4 -l, the kernel format)', () => {
  it('decodes multi-block frames of text, runs and random bytes byte for byte', () => {
    // > 8 MiB so the frame has several blocks; a mix lz4 compresses in every way (long matches, literals, overlaps).
    const text = Buffer.from('the quick brown fox jumps over the lazy dog 0123456789\n'.repeat(90_000));
    const input = Buffer.concat([text, Buffer.alloc(2_000_000, 7), randomBytes(1_500_000), text.subarray(0, 3_000_000)]);
    for (const level of ['-1', '-9']) {
      const res = spawnSync('lz4', ['-l', level, '-c'], { input, maxBuffer: 64 << 20 });
      expect(res.status, res.stderr.toString()).toBe(0);
      const out = decodeLz4Legacy(res.stdout);
      expect(out.length).toBe(input.length);
      expect(out.equals(input)).toBe(true);
    }
  }, 30_000);
});
