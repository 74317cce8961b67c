import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCompression, parseBzImage } from '../../../../src/images/kernel/bzimage.js';
import { extractVmlinux } from '../../../../src/images/kernel/vmlinux.js';
import { makeBzImage, makeElf } from '../../../helpers/kernel-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'banger-vmlinux-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const has = (tool: string) => !spawnSync(tool, ['--version']).error;
/** The decompressed-size trailer the kernel appends after most payloads (scripts/Makefile.lib size_append). */
const sizeTrailer = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
let seq = 0;
const file = (bytes: Buffer) => {
  const p = join(dir, `k${seq++}`);
  writeFileSync(p, bytes);
  return p;
};
const compress = (cmd: string, args: string[], input: Buffer) => {
  const r = spawnSync(cmd, args, { input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr.toString()}`);
  return r.stdout;
};

describe('bzImage boot header', () => {
  const payload = gzipSync(makeElf());

  it('finds the payload after (setup_sects + 1) sectors plus payload_offset', () => {
    const bz = makeBzImage(payload, { setupSects: 39 });
    const p = parseBzImage(bz);
    expect(p).toMatchObject({ protocol: '2.15', offset: 40 * 512 + 0x2c0, compression: 'gzip' });
    expect(Buffer.from(p.payload).equals(payload)).toBe(true);
    // setup_sects 0 means 4 (boot protocol).
    expect(parseBzImage(makeBzImage(payload, { setupSects: 0 })).offset).toBe(5 * 512 + 0x2c0);
  });

  it('refuses what is not a bzImage it can read, with image.bad_kernel', () => {
    expect(() => parseBzImage(Buffer.alloc(100), 'k')).toThrow(/k is not a usable bzImage: only 100 bytes/);
    expect(() => parseBzImage(makeBzImage(payload, { magic: 'Hdr!' }))).toThrow(/no "HdrS" boot header at 0x202/);
    expect(() => parseBzImage(makeBzImage(payload, { version: 0x207 }))).toThrow(/boot protocol 2.07 predates payload_offset/);
    expect(() => parseBzImage(makeBzImage(payload, { payloadLength: 1 << 30 }))).toThrow(/does not fit .* \(truncated\?\)/);
    expect(() => parseBzImage(makeBzImage(payload, { magic: 'Hdr!' }))).toThrow(expect.objectContaining({ code: 'image.bad_kernel' }));
  });

  it('knows every compressor the kernel offers by its magic', () => {
    const m = (...b: number[]) => Buffer.from([...b, 0, 0, 0, 0, 0, 0]);
    expect(detectCompression(m(0x1f, 0x8b))).toBe('gzip');
    expect(detectCompression(m(0x02, 0x21, 0x4c, 0x18))).toBe('lz4');
    expect(detectCompression(m(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00))).toBe('xz');
    expect(detectCompression(m(0x28, 0xb5, 0x2f, 0xfd))).toBe('zstd');
    expect(detectCompression(m(0x42, 0x5a, 0x68))).toBe('bzip2');
    expect(detectCompression(m(0x89, 0x4c, 0x5a, 0x4f))).toBe('lzo');
    expect(detectCompression(m(0x5d, 0x00, 0x00))).toBe('lzma');
    expect(detectCompression(m(0x00, 0x01))).toBeUndefined();
  });
});

describe('extractVmlinux', () => {
  const elf = makeElf({ body: 200_000 });

  const formats: [string, () => Buffer, string | undefined][] = [
    ['gzip', () => Buffer.concat([gzipSync(elf), Buffer.from([1, 2, 3, 4, 5])]), undefined],
    ['lz4', () => Buffer.concat([compress('lz4', ['-l', '-9', '-c'], elf), sizeTrailer(elf.length)]), has('lz4') ? undefined : 'lz4'],
    ['xz', () => Buffer.concat([compress('xz', ['--check=crc32', '-c'], elf), sizeTrailer(elf.length)]), has('xz') ? undefined : 'xz'],
    ['lzma', () => Buffer.concat([compress('xz', ['--format=lzma', '-c'], elf), sizeTrailer(elf.length)]), has('xz') ? undefined : 'xz'],
    ['zstd', () => Buffer.concat([compress('zstd', ['-c', '-q'], elf), sizeTrailer(elf.length)]), has('zstd') ? undefined : 'zstd'],
    ['bzip2', () => Buffer.concat([compress('bzip2', ['-c'], elf), sizeTrailer(elf.length)]), has('bzip2') ? undefined : 'bzip2'],
  ];
  for (const [kind, payload, missing] of formats) {
    it.skipIf(missing !== undefined)(`${kind} payload with the kernel's trailing bytes → the ELF, validated`, async () => {
      const out = join(dir, `vmlinux-${kind}`);
      const done = await extractVmlinux(file(makeBzImage(payload())), out);
      expect(done).toMatchObject({ path: out, compression: kind, report: { machine: 'x86_64', entry: 0x1000000n, size: elf.length } });
      expect(readFileSync(out).equals(elf)).toBe(true);
    });
  }

  it('lzo: lzop when installed, else a missing-tool error naming the package', async () => {
    const out = join(dir, 'vmlinux-lzo');
    if (has('lzop')) {
      const done = await extractVmlinux(file(makeBzImage(compress('lzop', ['-c'], elf))), out);
      expect(done.compression).toBe('lzo');
      return;
    }
    const lzoHeader = Buffer.from([0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]);
    await expect(extractVmlinux(file(makeBzImage(lzoHeader)), out)).rejects.toMatchObject({ code: 'host.tool_missing', hint: expect.stringContaining('apt-get install lzop') });
    expect(existsSync(out)).toBe(false);
  });

  it('takes a file that is already an ELF as is', async () => {
    const out = join(dir, 'vmlinux-elf');
    expect((await extractVmlinux(file(elf), out)).compression).toBe('none');
    expect(readFileSync(out).equals(elf)).toBe(true);
  });

  it('refuses a payload it cannot decode, a payload that is not a kernel, an unknown compression; leaves no file', async () => {
    const out = join(dir, 'vmlinux-bad');
    const lz4Corrupt = Buffer.from([0x02, 0x21, 0x4c, 0x18, 8, 0, 0, 0, 0x44, 0x61, 0x62, 0x63, 0x64, 9, 0, 0]);
    await expect(extractVmlinux(file(makeBzImage(lz4Corrupt)), out)).rejects.toMatchObject({ code: 'image.bad_kernel', message: expect.stringMatching(/corrupt LZ4 payload: block 0 .*offset 9 points before/) });
    await expect(extractVmlinux(file(makeBzImage(gzipSync(Buffer.from('not a kernel at all, just text'.repeat(10))))), out)).rejects.toMatchObject({
      code: 'image.bad_vmlinux',
      message: expect.stringMatching(/the decompressed payload of .* is not an x86_64 kernel ELF: no ELF magic/),
    });
    await expect(extractVmlinux(file(makeBzImage(Buffer.from('plain bytes, no compressor magic'))), out)).rejects.toMatchObject({ code: 'image.bad_kernel', message: expect.stringMatching(/unknown compression \(magic 706c61696e20\)/) });
    await expect(extractVmlinux(file(Buffer.from('not a kernel\n')), out)).rejects.toMatchObject({ code: 'image.bad_kernel' });
    if (has('xz')) {
      const xzCut = compress('xz', ['-c'], elf).subarray(0, 60);
      await expect(extractVmlinux(file(makeBzImage(xzCut)), out)).rejects.toMatchObject({ code: 'image.bad_kernel', message: expect.stringMatching(/xz could not decompress its xz payload/) });
    }
    expect(readdirSync(dir).filter((n) => n.startsWith('vmlinux-bad'))).toEqual([]);
  });
});
