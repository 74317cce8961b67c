import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkImportSource, describeTarError } from '../../../../src/images/import/sniff.js';

describe('checkImportSource (image import, before any work)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bg-sniff-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const tarOf = (files: Record<string, Buffer | string>): string => {
    const src = join(dir, `src-${Object.keys(files).length}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(src);
    for (const [n, body] of Object.entries(files)) writeFileSync(join(src, n), body);
    const out = `${src}.tar`;
    execFileSync('tar', ['-cf', out, '-C', src, ...Object.keys(files)]);
    return out;
  };

  it('a tar, a gzip and an OCI layout directory are accepted', async () => {
    const tar = tarOf({ a: 'x', b: Buffer.alloc(5000, 1) });
    expect(await checkImportSource(tar)).toBe('tar');
    const gz = join(dir, 'r.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(tar)));
    expect(await checkImportSource(gz)).toBe('gzip');
    const oci = join(dir, 'oci');
    mkdirSync(oci);
    writeFileSync(join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    expect(await checkImportSource(oci)).toBe('oci-dir');
  });

  it('a tar without its end-of-archive blocks is still a tar (GNU tar reads it)', async () => {
    const tar = tarOf({ a: Buffer.alloc(700, 2) });
    const whole = readFileSync(tar);
    const cut = join(dir, 'noend.tar');
    writeFileSync(cut, whole.subarray(0, 512 + 1024));
    expect(await checkImportSource(cut)).toBe('tar');
  });

  it('a missing path, text, an empty file and a truncated tar are each named', async () => {
    await expect(checkImportSource(join(dir, 'nope.tar'))).rejects.toThrow(`import source ${join(dir, 'nope.tar')} does not exist`);
    const text = join(dir, 'a.txt');
    writeFileSync(text, 'hello\n'.repeat(200));
    await expect(checkImportSource(text)).rejects.toThrow(`not a tar archive: ${text}; expected an OCI layout tarball, \`docker save\` output or a rootfs tarball`);
    const short = join(dir, 'short.txt');
    writeFileSync(short, 'hi');
    await expect(checkImportSource(short)).rejects.toThrow(/not a tar archive: .*short\.txt \(shorter than one tar header\)/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    await expect(checkImportSource(empty)).rejects.toThrow(/\(the file is empty\)/);
    const tar = tarOf({ first: 'ok', second: Buffer.alloc(10_000, 3) });
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, readFileSync(tar).subarray(0, 4096));
    await expect(checkImportSource(cut)).rejects.toThrow(/truncated or corrupt tar archive: .*cut\.tar: entry "second" runs past the end of the file/);
  });

  it("tar-stream's own words become the same clear errors", () => {
    expect((describeTarError(new Error('Unexpected end of data'), '/x.tar') as Error).message).toMatch(/^truncated or corrupt tar archive: \/x\.tar: it ends inside an entry; expected/);
    expect((describeTarError(new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?'), '/x.tar') as Error).message).toMatch(/^not a tar archive: \/x\.tar \(Invalid tar header/);
    const other = new Error('ENOSPC');
    expect(describeTarError(other, '/x.tar')).toBe(other);
  });
});
