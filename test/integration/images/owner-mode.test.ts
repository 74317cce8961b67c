import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSubids } from '../../../src/images/debian/unshare.js';
import type { Image } from '../../../src/model/index.js';
import { buildDist } from '../../helpers/build.js';
import { ext4Stat, ext4Walk } from '../../helpers/ext4-inspect.js';
import { createOwnerFixture, type OwnerFixture } from '../../helpers/owner-user.js';
import { BANGER_PROFILE, makeTar, type FixtureEntry } from '../../helpers/tar-fixtures.js';
import { firstMissing, missingBinaries, missingRoot, skipReason } from '../../helpers/vmm-capabilities.js';

const missing = firstMissing(
  missingRoot(),
  missingBinaries('useradd', 'setpriv', 'fakeroot', 'mkfs.ext4', 'debugfs', 'cpio', 'apt-get', 'dpkg-deb', 'depmod', 'dropbear', 'busybox'),
);

/** The driver's last stdout line, parsed; the failure message carries its stderr. */
function lastJson<T>(res: { code: number | null; stdout: string; stderr: string }): T {
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as T;
}

/**
 * Image build and import with bangerd's code running as an ordinary user
 * (issue 13): files inside the ext4 keep root's (or the archive's) owners,
 * modes and device nodes although the user cannot chown or mknod.
 */
describe.skipIf(skipReason(missing))('images as an ordinary user', () => {
  let fx: OwnerFixture;

  beforeAll(() => {
    buildDist();
    fx = createOwnerFixture('own');
    fx.seedCache('kernels');
  }, 240_000);
  afterAll(() => fx?.remove());

  it('builds the minimal profile: rootfs and work seed are root-owned inside, the files on the host are the user\'s', async () => {
    const res = await fx.run(
      `const { buildImage } = await import(dist + '/images/index.js');
       const t = Date.now();
       const steps = [];
       const image = await buildImage({ layout, profile: 'minimal', onProgress: (s) => steps.push(s) });
       console.log(JSON.stringify({ image, steps, ms: Date.now() - t }));`,
      300_000,
    );
    const { image, steps, ms } = lastJson<{ image: Image; steps: string[]; ms: number }>(res);
    console.log(`minimal build as ${fx.user.name}: ${ms} ms`);
    expect(steps).toEqual(expect.arrayContaining([expect.stringMatching(/^kernel\.(cached|fetch)$/), 'rootfs.mkfs', 'done']));
    expect(statSync(image.rootfsPath).uid).toBe(fx.user.uid);

    const root = image.rootfsPath;
    expect(ext4Stat(root, '/etc/passwd')).toMatchObject({ type: 'regular', uid: 0, gid: 0, mode: 0o644 });
    expect(ext4Stat(root, '/etc/shadow')).toMatchObject({ uid: 0, gid: 0, mode: 0o600 });
    expect(ext4Stat(root, '/etc/banger/authorized_keys')).toMatchObject({ uid: 0, gid: 0, mode: 0o600 });
    expect(ext4Stat(root, '/root')).toMatchObject({ type: 'directory', uid: 0, mode: 0o700 });
    expect(ext4Stat(root, '/tmp')).toMatchObject({ uid: 0, mode: 0o1777 });
    expect(ext4Stat(root, '/bin/sh')).toMatchObject({ type: 'symlink', uid: 0, link: '/bin/busybox' });
    // Nothing anywhere in either image belongs to the user who built it.
    expect(ext4Walk(root).filter((e) => e.uid !== 0 || e.gid !== 0)).toEqual([]);

    const seed = image.workSeedPath!;
    expect(ext4Stat(seed, '/.ssh')).toMatchObject({ type: 'directory', uid: 0, gid: 0, mode: 0o700 });
    expect(ext4Stat(seed, '/.ssh/authorized_keys')).toMatchObject({ uid: 0, gid: 0, mode: 0o600 });
    expect(ext4Walk(seed).filter((e) => e.uid !== 0 || e.gid !== 0)).toEqual([]);
  }, 360_000);

  it('refuses --profile debian without a subuid range in one line naming the usermod fix, before fetching anything, leaving nothing', async () => {
    // useradd may have given the user ranges (login.defs SUB_UID_*): take them away.
    for (const [file, flag] of [['/etc/subuid', '--del-subuids'], ['/etc/subgid', '--del-subgids']] as const) {
      const r = parseSubids(readFileSync(file, 'utf8'), fx.user.name);
      if (r) execFileSync('usermod', [flag, `${r.start}-${r.start + r.count - 1}`, fx.user.name], { stdio: 'pipe' });
    }
    const before = existsSync(fx.layout.imagesDir) ? readdirSync(fx.layout.imagesDir) : [];
    const res = await fx.run(
      `const { buildImage } = await import(dist + '/images/index.js');
       const steps = [];
       const err = await buildImage({ layout, profile: 'debian', onProgress: (s) => steps.push(s) }).then(() => undefined, (e) => e);
       console.log(JSON.stringify({ message: err?.message, hint: err?.hint, code: err?.code, steps }));`,
      120_000,
    );
    const out = lastJson<{ message: string; hint: string; code: string; steps: string[] }>(res);
    expect(out.code).toBe('image.unshare_unavailable');
    expect(out.message).toMatch(new RegExp(`^the debian profile cannot build as ${fx.user.name}: (.*; )?${fx.user.name} has no range of 65536 ids in /etc/subuid and /etc/subgid`));
    expect(out.message).not.toContain('\n');
    expect(out.hint).toContain(`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${fx.user.name} (as root)`);
    expect(out.steps).toEqual([]);
    expect(readdirSync(fx.layout.imagesDir).sort()).toEqual(before.sort());
  }, 120_000);

  const entries: FixtureEntry[] = [
    { name: './', type: 'directory', mode: 0o755 },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' },
    { name: 'etc/shadow', body: 'root:*::::::\n', gid: 42, mode: 0o640 },
    BANGER_PROFILE,
    { name: 'usr/bin/', type: 'directory' },
    { name: 'usr/bin/tool', body: '#!/bin/sh\n', mode: 0o4755 },
    { name: 'usr/bin/tool-hard', type: 'link', linkname: 'usr/bin/tool' },
    { name: 'usr/bin/sg', body: '#!/bin/sh\n', gid: 42, mode: 0o2755 },
    { name: 'usr/bin/rel', type: 'symlink', linkname: 'tool' },
    { name: 'usr/bin/abs', type: 'symlink', linkname: '/usr/bin/tool', uid: 5, gid: 6 },
    { name: 'dev/', type: 'directory' },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, gid: 6, mode: 0o660 },
    { name: 'dev/big', type: 'character-device', devmajor: 259, devminor: 300, mode: 0o600 },
    { name: 'run/initctl', type: 'fifo', mode: 0o600 },
    { name: 'home/alice/', type: 'directory', uid: 1000, gid: 1000, mode: 0o700 },
    { name: 'home/alice/notes', body: 'hi\n', uid: 1000, gid: 1001, mode: 0o640 },
    // Unreadable by its owner on the host: mkfs.ext4 must still read it.
    { name: 'home/alice/locked', body: 'no\n', uid: 1000, gid: 1000, mode: 0o200 },
    { name: 'srv/ro/', type: 'directory', mode: 0o555 },
    { name: 'srv/ro/file', body: 'x', mode: 0o444 },
  ];

  it('imports a tarball: the archive\'s owners, modes, setuid bits, devices, hardlinks and symlinks, and a refusal leaves nothing', async () => {
    const tar = join(fx.base, 'rootfs.tar');
    writeFileSync(tar, await makeTar(entries));
    const hostile = join(fx.base, 'hostile.tar');
    writeFileSync(hostile, await makeTar([...entries, { name: 'h', type: 'link', linkname: '../../etc/shadow' }]));
    const kernel = join(fx.base, 'vmlinuz');
    writeFileSync(kernel, 'kernel');
    for (const f of [tar, hostile, kernel]) chmodSync(f, 0o644);

    const kernelFrom = { kernelPath: kernel, kernelArgs: 'root=/dev/vda rw' };
    const before = existsSync(fx.layout.imagesDir) ? readdirSync(fx.layout.imagesDir) : [];
    const res = await fx.run(
      `const { importImage } = await import(dist + '/images/import/index.js');
       const refused = await importImage({ layout, name: 'bad', source: ${JSON.stringify(hostile)}, kernelFrom: ${JSON.stringify(kernelFrom)} }).then(() => 'imported', (e) => e.message);
       const image = await importImage({ layout, name: 'tar', source: ${JSON.stringify(tar)}, kernelFrom: ${JSON.stringify(kernelFrom)} });
       console.log(JSON.stringify({ image, refused }));`,
      120_000,
    );
    const { image, refused } = lastJson<{ image: Image; refused: string }>(res);
    expect(refused).toMatch(/entry "h" has a hardlink target that climbs out/);
    expect(readdirSync(fx.layout.imagesDir).sort()).toEqual([...before, image.id].sort());
    expect(readdirSync(fx.layout.cacheDir).filter((n) => n.startsWith('import-'))).toEqual([]);

    const img = image.rootfsPath;
    expect(ext4Stat(img, '/')).toMatchObject({ uid: 0, gid: 0, mode: 0o755 });
    expect(ext4Stat(img, '/etc/passwd')).toMatchObject({ uid: 0, gid: 0, mode: 0o644 });
    expect(ext4Stat(img, '/etc/shadow')).toMatchObject({ uid: 0, gid: 42, mode: 0o640 });
    const tool = ext4Stat(img, '/usr/bin/tool')!;
    expect(tool).toMatchObject({ type: 'regular', uid: 0, gid: 0, mode: 0o4755, links: 2 });
    expect(ext4Stat(img, '/usr/bin/tool-hard')).toEqual(tool);
    expect(ext4Stat(img, '/usr/bin/sg')).toMatchObject({ uid: 0, gid: 42, mode: 0o2755 });
    expect(ext4Stat(img, '/usr/bin/rel')).toMatchObject({ type: 'symlink', uid: 0, link: 'tool' });
    expect(ext4Stat(img, '/usr/bin/abs')).toMatchObject({ type: 'symlink', uid: 5, gid: 6, link: '/usr/bin/tool' });
    expect(ext4Stat(img, '/dev/null')).toMatchObject({ type: 'character special', uid: 0, gid: 0, mode: 0o666, device: '1:3' });
    expect(ext4Stat(img, '/dev/sda')).toMatchObject({ type: 'block special', uid: 0, gid: 6, mode: 0o660, device: '8:0' });
    expect(ext4Stat(img, '/dev/big')).toMatchObject({ type: 'character special', mode: 0o600, device: '259:300' });
    expect(ext4Stat(img, '/run/initctl')).toMatchObject({ type: 'FIFO', uid: 0, mode: 0o600 });
    expect(ext4Stat(img, '/home/alice')).toMatchObject({ type: 'directory', uid: 1000, gid: 1000, mode: 0o700 });
    expect(ext4Stat(img, '/home/alice/notes')).toMatchObject({ uid: 1000, gid: 1001, mode: 0o640 });
    expect(ext4Stat(img, '/home/alice/locked')).toMatchObject({ uid: 1000, gid: 1000, mode: 0o200 });
    expect(ext4Stat(img, '/srv/ro')).toMatchObject({ type: 'directory', mode: 0o555 });
    expect(ext4Stat(img, '/srv/ro/file')).toMatchObject({ mode: 0o444 });
    // Directories the archive only implies are root's, as they are when root imports.
    expect(ext4Stat(img, '/run')).toMatchObject({ type: 'directory', uid: 0, gid: 0, mode: 0o755 });
    const seed = image.workSeedPath!;
    expect(ext4Stat(seed, '/.ssh/authorized_keys')).toMatchObject({ uid: 0, gid: 0, mode: 0o600 });
  }, 180_000);

  it('imports a systemd image: banger\'s guest kit goes through the recorded owners too, root\'s inside', async () => {
    const tar = join(fx.base, 'systemd.tar');
    writeFileSync(
      tar,
      await makeTar([
        { name: 'etc/', type: 'directory', mode: 0o755 },
        { name: 'etc/ssh/', type: 'directory', mode: 0o755 },
        { name: 'etc/ssh/ssh_host_ed25519_key', body: 'baked', mode: 0o600 },
        { name: 'etc/systemd/system/', type: 'directory', mode: 0o755 },
        { name: 'usr/lib/systemd/systemd', body: '', mode: 0o755 },
        { name: 'usr/lib/systemd/system/ssh.service', body: '[Service]\n' },
        { name: 'usr/sbin/sshd', body: '', mode: 0o755 },
        { name: 'usr/sbin/ip', body: '', mode: 0o755 },
        { name: 'usr/bin/sh', body: '', mode: 0o755 },
        { name: 'usr/bin/ssh-keygen', body: '', mode: 0o755 },
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
      ]),
    );
    const kernel = join(fx.base, 'vmlinuz');
    writeFileSync(kernel, 'kernel');
    for (const f of [tar, kernel]) chmodSync(f, 0o644);
    const res = await fx.run(
      `const { importImage } = await import(dist + '/images/import/index.js');
       const image = await importImage({ layout, name: 'sysd', source: ${JSON.stringify(tar)}, kernelFrom: { kernelPath: ${JSON.stringify(kernel)}, kernelArgs: 'root=/dev/vda rw init=/sbin/init' } });
       console.log(JSON.stringify({ image }));`,
      120_000,
    );
    const { image } = lastJson<{ image: Image }>(res);
    expect(image.kernelArgs).toBe('root=/dev/vda rw init=/lib/systemd/systemd');
    const img = image.rootfsPath;
    expect(ext4Stat(img, '/etc/banger/authorized_keys')).toMatchObject({ uid: 0, gid: 0, mode: 0o600 });
    expect(ext4Stat(img, '/etc/banger')).toMatchObject({ type: 'directory', uid: 0, gid: 0, mode: 0o755 });
    expect(ext4Stat(img, '/usr/lib/banger/net')).toMatchObject({ uid: 0, gid: 0, mode: 0o755 });
    expect(ext4Stat(img, '/etc/systemd/system/ssh.service.d/banger-hostkeys.conf')).toMatchObject({ uid: 0, gid: 0, mode: 0o644 });
    expect(ext4Stat(img, '/etc/systemd/system/multi-user.target.wants/ssh.service')).toMatchObject({ type: 'symlink', uid: 0, link: '/lib/systemd/system/ssh.service' });
    expect(ext4Stat(img, '/etc/ssh/ssh_host_ed25519_key')).toBeUndefined();
    expect(ext4Walk(img).filter((e) => e.uid === fx.user.uid || e.gid === fx.user.gid)).toEqual([]);
  }, 180_000);
});
