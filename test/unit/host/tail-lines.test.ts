import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tailLines } from '../../../src/host/tail-lines.js';

const dir = mkdtempSync(join(tmpdir(), 'bgr-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, content);
  return p;
}

const numbered = (count: number, end = '\n') => Array.from({ length: count }, (_, i) => `line ${i + 1}`).join('\n') + end;

describe('tailLines', () => {
  it.each([
    // [content, lines, expected text]
    ['a\nb\nc\n', 2, 'b\nc\n'],
    ['a\nb\nc', 2, 'b\nc'], // no trailing newline: the last line still counts
    ['a\nb\nc\n', 3, 'a\nb\nc\n'],
    ['a\nb\nc\n', 10, 'a\nb\nc\n'], // more lines asked than there are
    ['a\nb\nc', 10, 'a\nb\nc'],
    ['a\nb\nc\n', 1, 'c\n'],
    ['a\nb\nc\n', 0, ''],
    ['', 5, ''],
    ['\n', 1, '\n'],
    ['\n\n\n', 2, '\n\n'], // empty lines are lines
    ['only', 1, 'only'],
    ['a\r\nb\r\n', 1, 'b\r\n'],
    ['é\nü\n', 1, 'ü\n'],
  ])('%j, last %i', (content, lines, text) => {
    return expect(tailLines(file(content), lines)).resolves.toEqual({ text, end: Buffer.byteLength(content), truncated: false });
  });

  it('reads across chunk boundaries, whatever the chunk size', async () => {
    const content = numbered(1000);
    const p = file(content);
    const want = content.split('\n').slice(-51).join('\n'); // 50 lines plus the final ''
    for (const chunkBytes of [1, 2, 3, 7, 64, 4096, 1 << 20]) {
      expect((await tailLines(p, 50, { chunkBytes })).text).toBe(want);
    }
    expect((await tailLines(p, 1000, { chunkBytes: 5 })).text).toBe(content);
  });

  it('returns the whole of a huge line, and stops at maxBytes for a runaway one', async () => {
    const huge = 'x'.repeat(300_000);
    const p = file(`first\n${huge}\nlast\n`);
    expect(await tailLines(p, 2, { chunkBytes: 4096 })).toEqual({ text: `${huge}\nlast\n`, end: 300_012, truncated: false });
    const cut = await tailLines(p, 2, { chunkBytes: 4096, maxBytes: 1000 });
    expect(cut).toEqual({ text: `${'x'.repeat(994)}\nlast\n`, end: 300_012, truncated: true });
  });

  it('finds a few lines at the end of a large file, and stops at maxBytes without a newline', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'y');
    big.write('\nend 1\nend 2\nend 3\n', big.length - 19);
    const p = file(big);
    expect((await tailLines(p, 3, { chunkBytes: 64 })).text).toBe('end 1\nend 2\nend 3\n');
    // with maxBytes the scan stops early even when no newline is found
    const r = await tailLines(p, 5, { maxBytes: 100 });
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.text)).toBe(100);
  });

  it('does not split a UTF-8 character when it cuts', async () => {
    const p = file(`${'€'.repeat(100)}\n`);
    const r = await tailLines(p, 1, { maxBytes: 32 });
    expect(r.truncated).toBe(true);
    expect(r.text).toMatch(/^€+\n$/);
  });

  it('reads from the end, not the whole file', async () => {
    const p = file(Buffer.concat([Buffer.alloc(4 * 1024 * 1024, 'z'), Buffer.from('\na\nb\n')]));
    // Every FileHandle shares one prototype: count the bytes its read() is asked for.
    const probe = await open(p, 'r');
    const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const spy = vi.spyOn(proto, 'read');
    try {
      expect((await tailLines(p, 2, { chunkBytes: 4096 })).text).toBe('a\nb\n');
      const asked = spy.mock.calls.reduce((sum, call) => sum + Number(call[2]), 0);
      expect(asked).toBe(4096);
    } finally {
      spy.mockRestore();
    }
  });

  it('treats a missing file as an empty log', async () => {
    await expect(tailLines(join(dir, 'nope'), 10)).resolves.toEqual({ text: '', end: 0, truncated: false });
  });
});
