import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importImage } from '../../../src/images/import/index.js';
import type { Image } from '../../../src/model/index.js';
import { ext4Cat, ext4Ls, ext4Stat } from '../../helpers/ext4-inspect.js';
import { HOSTILE_ARCHIVES, withHostTarget } from '../../helpers/hostile-archives.js';
import { BANGER_PROFILE, makeDockerSave, makeTar, writeOciLayout, type FixtureEntry } from '../../helpers/tar-fixtures.js';
import { firstMissing, missingBinaries, missingRoot, skipReason } from '../../helpers/vmm-capabilities.js';
import { tempLayout } from '../../helpers/test-layout.js';

const missing = firstMissing(missingRoot(), missingBinaries('mkfs.ext4', 'debugfs'));

describe.skipIf(skipReason(missing))('image import (issue 5)', () => {
  const t = tempLayout('banger-import-');
  const layout = t.layout;
  const src = join(t.root, 'src');
  const hostTarget = join(t.root, 'host-target'); // a real host dir hostile symlinks point at
  const kernelFrom = { kernelPath: join(src, 'vmlinuz'), initrdPath: join(src, 'initrd.img'), kernelArgs: 'root=/dev/vda rw' };

  beforeAll(() => {
    mkdirSync(src, { recursive: true });
    mkdirSync(hostTarget, { recursive: true });
    writeFileSync(kernelFrom.kernelPath, 'kernel');
    writeFileSync(kernelFrom.initrdPath, 'initrd');
  });
  afterAll(() => t.cleanup());

  const base: FixtureEntry[] = [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' },
    BANGER_PROFILE,
    { name: 'usr/', type: 'directory' },
    { name: 'usr/bin/', type: 'directory' },
    { name: 'usr/bin/tool', body: '#!/bin/sh\n', mode: 0o4755 },
    { name: 'usr/bin/tool-hard', type: 'link', linkname: 'usr/bin/tool' },
    { name: 'home/alice/', type: 'directory', uid: 1000, gid: 1000, mode: 0o700 },
    { name: 'home/alice/notes', body: 'hi\n', uid: 1000, gid: 1001, mode: 0o640 },
    { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
    { name: 'usr/bin/abs', type: 'symlink', linkname: '/usr/bin/tool' },
    { name: 'opt/old/a', body: 'a' },
    { name: 'opt/old/sub/b', body: 'b' },
    { name: 'var/gone', body: 'x' },
    { name: 'var/kept', body: 'y' },
  ];

  const upper: FixtureEntry[] = [
    { name: 'var/.wh.gone', body: '' },
    { name: 'opt/old/c', body: 'new' },
    { name: 'opt/old/.wh..wh..opq', body: '' },
    { name: 'bin/via-link', body: 'written through a relative symlink' },
  ];

  let oci: Image;

  it('flattens an OCI layout: whiteouts, opaque dirs, modes, ownership and symlinks survive in ext4', async () => {
    const dir = join(src, 'oci');
    writeOciLayout(dir, [{ tar: await makeTar(base), gzip: true }, { tar: await makeTar(upper) }]);
    const steps: string[] = [];
    oci = await importImage({ layout, name: 'oci-test', source: dir, kernelFrom, onProgress: (s, d) => steps.push(`${s}:${d}`) });
    expect(steps[0]).toBe('import.detect:oci');
    expect(oci).toMatchObject({ profile: 'imported', name: 'oci-test', kernelArgs: 'root=/dev/vda rw' });
    const img = oci.rootfsPath;
    expect(ext4Stat(img, '/usr/bin/tool')).toMatchObject({ type: 'regular', mode: 0o4755, uid: 0 });
    expect(ext4Stat(img, '/home/alice')).toMatchObject({ type: 'directory', mode: 0o700, uid: 1000, gid: 1000 });
    expect(ext4Stat(img, '/home/alice/notes')).toMatchObject({ mode: 0o640, uid: 1000, gid: 1001 });
    expect(ext4Stat(img, '/usr/bin/abs')).toMatchObject({ type: 'symlink', link: '/usr/bin/tool' });
    expect(ext4Stat(img, '/bin')).toMatchObject({ type: 'symlink', link: 'usr/bin' });
    expect(ext4Cat(img, '/usr/bin/via-link')).toBe('written through a relative symlink');
    // hardlink: same inode count 2
    const hard = spawnSync('debugfs', ['-R', 'stat /usr/bin/tool-hard', img], { encoding: 'utf8' }).stdout;
    expect(hard).toMatch(/Links:\s+2/);
    expect(ext4Ls(img, '/var')).toEqual(['kept']);
    expect(ext4Ls(img, '/opt/old')).toEqual(['c']);
    expect(readdirSync(layout.imagesDir)).toEqual([oci.id]);
  }, 60_000);

  it('imports a docker save tarball and a gzip rootfs tarball', async () => {
    const docker = join(src, 'image.tar');
    writeFileSync(docker, await makeDockerSave([await makeTar(base), await makeTar(upper)]));
    const d = await importImage({ layout, name: 'docker-test', source: docker, kernelFrom });
    expect(ext4Ls(d.rootfsPath, '/opt/old')).toEqual(['c']);
    expect(ext4Stat(d.rootfsPath, '/home/alice/notes')).toMatchObject({ uid: 1000, gid: 1001 });

    const plain = join(src, 'rootfs.tar.gz');
    writeFileSync(plain, gzipSync(await makeTar(base)));
    const p = await importImage({ layout, name: 'tar-test', source: plain, kernelFrom });
    // No whiteout processing for a plain rootfs: everything is there.
    expect(ext4Ls(p.rootfsPath, '/var')).toEqual(['gone', 'kept']);
  }, 60_000);

  it('a whiteout of a directory a lower layer declared (its mode still pending) removes it cleanly', async () => {
    const dir = join(src, 'oci-wh-dir');
    writeOciLayout(dir, [
      { tar: await makeTar([BANGER_PROFILE, { name: 'gone/', type: 'directory', mode: 0o700 }, { name: 'gone/f', body: 'x' }, { name: 'kept', body: 'k' }]) },
      { tar: await makeTar([{ name: '.wh.gone', body: '' }]) },
    ]);
    const img = await importImage({ layout, name: 'wh-dir', source: dir, kernelFrom });
    expect(ext4Ls(img.rootfsPath, '/')).toEqual(['etc', 'kept', 'lost+found']);
  }, 60_000);

  it.each(HOSTILE_ARCHIVES)('refuses %s, naming the entry, and leaves nothing behind', async (_what, entries, msg) => {
    const before = readdirSync(layout.imagesDir).sort();
    const tar = join(src, `hostile-${Math.random().toString(16).slice(2)}.tar`);
    writeFileSync(tar, await makeTar(withHostTarget(entries, hostTarget)));
    await expect(importImage({ layout, name: 'bad', source: tar, kernelFrom })).rejects.toThrow(msg);
    expect(readdirSync(layout.imagesDir).sort()).toEqual(before);
    expect(readdirSync(layout.cacheDir).filter((n) => n.startsWith('import-'))).toEqual([]);
    expect(readdirSync(hostTarget)).toEqual([]);
    expect(existsSync(join(t.root, 'evil'))).toBe(false);
  });

  it('refuses a docker manifest whose layer lies outside the archive', async () => {
    const tar = join(src, 'docker-escape.tar');
    writeFileSync(tar, await makeDockerSave([await makeTar(base)], ['../outside.tar']));
    await expect(importImage({ layout, name: 'bad', source: tar, kernelFrom })).rejects.toThrow(/entry "\.\.\/outside\.tar" \(layer\) is missing or lies outside/);
  });

  it('refuses an OCI blob that does not match its digest', async () => {
    const dir = join(src, 'oci-tampered');
    writeOciLayout(dir, [{ tar: await makeTar(base) }]);
    const blobs = join(dir, 'blobs', 'sha256');
    const manifestDigest = (JSON.parse(spawnSync('cat', [join(dir, 'index.json')], { encoding: 'utf8' }).stdout) as { manifests: { digest: string }[] }).manifests[0]!.digest.slice(7);
    const manifest = JSON.parse(spawnSync('cat', [join(blobs, manifestDigest)], { encoding: 'utf8' }).stdout) as { layers: { digest: string }[] };
    writeFileSync(join(blobs, manifest.layers[0]!.digest.slice(7)), await makeTar([{ name: 'x', body: 'tampered' }]));
    await expect(importImage({ layout, name: 'bad', source: dir, kernelFrom })).rejects.toThrow(/does not match its digest/);
  });
});
