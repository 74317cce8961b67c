import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../../src/images/index.js';
import type { Image } from '../../../src/model/index.js';
import { parseSubids } from '../../../src/images/debian/unshare.js';
import { buildDist } from '../../helpers/build.js';
import { ext4Ls, ext4Stat, ext4Walk, type Ext4Entry } from '../../helpers/ext4-inspect.js';
import { createOwnerFixture, type OwnerFixture } from '../../helpers/owner-user.js';
import { tempLayout } from '../../helpers/test-layout.js';
import { expectBootableKernel } from '../../helpers/bootable-kernel.js';
import { firstMissing, missingBinaries, missingRoot, missingUnprivilegedMmdebstrap, skipReason } from '../../helpers/vmm-capabilities.js';

const base = firstMissing(missingRoot(), missingBinaries('mmdebstrap', 'mkfs.ext4', 'debugfs', 'cpio', 'apt-get', 'dpkg-deb', 'depmod'));
const asUser = firstMissing(base, missingBinaries('useradd', 'setpriv', 'fakeroot'), missingUnprivilegedMmdebstrap());

/** What every debian image must hold, root-owned, however it was built. */
function expectDebianRootfs(img: string): void {
  expect(ext4Stat(img, '/usr/sbin/sshd')).toMatchObject({ type: 'regular', uid: 0, gid: 0, mode: 0o755 });
  expect(ext4Stat(img, '/usr/lib/systemd/systemd')).toMatchObject({ type: 'regular', uid: 0, gid: 0, mode: 0o755 });
  expect(ext4Stat(img, '/usr/sbin/init')).toMatchObject({ type: 'symlink', uid: 0 });
  for (const unit of ['banger-net.service', 'banger-agent.service', 'banger-agent-vsock.service', 'banger-work.service']) {
    expect(ext4Stat(img, `/etc/systemd/system/${unit}`)).toMatchObject({ type: 'regular', uid: 0, gid: 0, mode: 0o644 });
  }
  expect(ext4Stat(img, '/etc/systemd/system/multi-user.target.wants/banger-agent.service')).toMatchObject({ type: 'symlink', uid: 0, link: '/etc/systemd/system/banger-agent.service' });
  expect(ext4Stat(img, '/etc/systemd/system/multi-user.target.wants/banger-agent-vsock.service')).toMatchObject({ type: 'symlink', uid: 0, link: '/etc/systemd/system/banger-agent-vsock.service' });
  for (const tool of ['banger-reseed', 'banger-vsock']) expect(ext4Stat(img, `/usr/sbin/${tool}`)).toMatchObject({ type: 'regular', uid: 0, gid: 0, mode: 0o755 });
  expect(ext4Stat(img, '/etc/systemd/system/local-fs.target.wants/banger-work.service')).toMatchObject({ type: 'symlink', uid: 0 });
  expect(ext4Stat(img, '/etc/systemd/system/apt-daily.timer')).toMatchObject({ type: 'symlink', link: '/dev/null' });
  for (const f of ['net', 'work', 'agent']) expect(ext4Stat(img, `/usr/lib/banger/${f}`)).toMatchObject({ uid: 0, gid: 0, mode: 0o755 });
  expect(ext4Stat(img, '/etc/banger/authorized_keys')).toMatchObject({ uid: 0, gid: 0, mode: 0o600 });
  expect(ext4Stat(img, '/etc/ssh/sshd_config.d/banger.conf')).toMatchObject({ uid: 0, mode: 0o644 });
  expect(ext4Stat(img, '/usr/bin/passwd')).toMatchObject({ uid: 0, gid: 0, mode: 0o4755 });
  expect(ext4Stat(img, '/usr/bin/chage')).toMatchObject({ uid: 0, gid: 42, mode: 0o2755 });
  expect(ext4Stat(img, '/etc/shadow')).toMatchObject({ uid: 0, gid: 42, mode: 0o640 });
  expect(ext4Stat(img, '/dev/null')).toMatchObject({ type: 'character special', uid: 0, mode: 0o666, device: '1:3' });
  expect(ext4Stat(img, '/root')).toMatchObject({ type: 'directory', uid: 0, mode: 0o700 });
  expect(ext4Stat(img, '/tmp')).toMatchObject({ uid: 0, mode: 0o1777 });
  const [release, ...more] = ext4Ls(img, '/usr/lib/modules');
  expect(more).toEqual([]);
  expect(ext4Stat(img, `/usr/lib/modules/${release}/modules.dep`)).toMatchObject({ type: 'regular', uid: 0 });
  expect(ext4Stat(img, '/var/cache/apt')).toMatchObject({ type: 'directory', uid: 0, gid: 0 });
}

/** The debian profile as root and as an ordinary user, each a real mmdebstrap run (about two minutes each). */
describe.skipIf(skipReason(base))('debian profile build (mmdebstrap)', () => {
  const t = tempLayout('banger-debian-');
  let rootImage: Image | undefined;
  afterAll(() => t.cleanup());

  it('as root: mmdebstrap into a directory, banger units and sshd in a root-owned rootfs', async () => {
    const started = Date.now();
    const steps: string[] = [];
    rootImage = await buildImage({ layout: t.layout, profile: 'debian', onProgress: (s) => steps.push(`${s}@${Date.now() - started}`) });
    console.log(`debian build as root: ${Date.now() - started} ms (${steps.join(' ')})`);
    expectDebianRootfs(rootImage.rootfsPath);
    await expectBootableKernel(rootImage);
  }, 900_000);

  describe.skipIf(skipReason(asUser))('as an ordinary user', () => {
    let fx: OwnerFixture;
    beforeAll(() => {
      buildDist();
      fx = createOwnerFixture('deb');
      // useradd gives new users a subordinate range where login.defs says so; make sure of it.
      if (!parseSubids(readFileSync('/etc/subuid', 'utf8'), fx.user.name) || !parseSubids(readFileSync('/etc/subgid', 'utf8'), fx.user.name)) {
        const start = 0x10000000 + Math.floor(Math.random() * 0x1000) * 0x10000;
        const range = `${start}-${start + 0xffff}`;
        execFileSync('usermod', ['--add-subuids', range, '--add-subgids', range, fx.user.name], { stdio: 'pipe' });
      }
      fx.seedCache('kernels', 'debian-apt');
    }, 240_000);
    afterAll(() => {
      if (!fx) return;
      // A build killed mid-way leaves mmdebstrap's tree in /var/tmp, owned by the user and its namespace's root.
      const nsRoot = parseSubids(readFileSync('/etc/subuid', 'utf8'), fx.user.name)?.start;
      for (const name of readdirSync('/var/tmp').filter((n) => n.startsWith('mmdebstrap.'))) {
        const uid = statSync(join('/var/tmp', name)).uid;
        if (uid === fx.user.uid || uid === nsRoot) rmSync(join('/var/tmp', name), { recursive: true, force: true });
      }
      fx.remove();
    });

    it('mmdebstrap in a user namespace, unpacked with recorded owners, ext4 made under fakeroot', async () => {
      const res = await fx.run(
        `const { buildImage } = await import(dist + '/images/index.js');
         const t = Date.now();
         const steps = [];
         const image = await buildImage({ layout, profile: 'debian', onProgress: (s) => steps.push([s, Date.now() - t]) });
         console.log(JSON.stringify({ image, steps, ms: Date.now() - t }));`,
        880_000,
      );
      expect(res.code, res.stderr).toBe(0);
      const out = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { image: Image; steps: [string, number][]; ms: number };
      const { image, ms } = out;
      const steps = out.steps.map(([s]) => s);
      console.log(`debian build as ${fx.user.name}: ${ms} ms (${out.steps.map(([s, at]) => `${s}@${at}`).join(' ')})`);
      expect(steps).toEqual(expect.arrayContaining(['mmdebstrap', 'rootfs.unpack', 'rootfs.configure', 'rootfs.mkfs', 'done']));
      expectDebianRootfs(image.rootfsPath);
      await expectBootableKernel(image);
      const entries = ext4Walk(image.rootfsPath);
      // Nothing inside belongs to the user who built it (or to anyone outside Debian's system ids).
      expect(entries.filter((e) => e.uid === fx.user.uid || e.gid === fx.user.gid || e.uid >= 1000 || e.gid >= 1000)).toEqual([]);
      if (rootImage) {
        // Same tree as root's build, owner for owner, mode for mode.
        const key = (e: Ext4Entry) => `${e.path} ${e.mode.toString(8)} ${e.uid}:${e.gid}`;
        const mine = new Set(entries.map(key));
        const roots = new Set(ext4Walk(rootImage.rootfsPath).map(key));
        const onlyRoot = [...roots].filter((k) => !mine.has(k));
        const onlyUser = [...mine].filter((k) => !roots.has(k));
        expect({ onlyRoot, onlyUser }).toEqual({ onlyRoot: [], onlyUser: [] });
      }
    }, 900_000);
  });
});
