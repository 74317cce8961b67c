import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '../../../src/guest/assets');
const has = (tool: string) => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** The committed guest binary is exactly what its assembly source builds: no blob of unknown origin. */
describe('banger-reseed', () => {
  it('is a static x86-64 ELF of a few hundred bytes', () => {
    const bin = readFileSync(join(src, 'banger-reseed'));
    expect(bin.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(bin[4]).toBe(2); // ELFCLASS64
    expect(bin.readUInt16LE(18)).toBe(0x3e); // EM_X86_64
    expect(bin.length).toBeLessThan(1024);
  });

  it.skipIf(!has('as') || !has('ld'))('rebuilds byte for byte from banger-reseed.S', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bg-reseed-'));
    try {
      execFileSync('as', ['-o', join(dir, 'r.o'), join(src, 'banger-reseed.S')]);
      execFileSync('ld', ['-static', '-s', '--build-id=none', '-z', 'noseparate-code', '-o', join(dir, 'r'), join(dir, 'r.o')]);
      expect(readFileSync(join(dir, 'r')).equals(readFileSync(join(src, 'banger-reseed')))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
