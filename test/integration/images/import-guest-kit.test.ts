import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_KERNEL_ARGS } from '../../../src/images/debian/build.js';
import { importImage } from '../../../src/images/import/index.js';
import { ext4Cat, ext4Ls, ext4Stat } from '../../helpers/ext4-inspect.js';
import { BANGER_PROFILE, makeTar, writeOciLayout, type FixtureEntry } from '../../helpers/tar-fixtures.js';
import { tempLayout } from '../../helpers/test-layout.js';
import { firstMissing, missingBinaries, missingRoot, skipReason } from '../../helpers/vmm-capabilities.js';

const missing = firstMissing(missingRoot(), missingBinaries('mkfs.ext4', 'debugfs'));

/**
 * A systemd image made elsewhere (what `docker build` FROM debian with
 * systemd-sysv, openssh-server and iproute2 leaves, as empty files at the
 * right paths, merged-usr) gets banger's guest kit at import; images banger
 * cannot boot are refused before mkfs, leaving nothing.
 */
describe.skipIf(skipReason(missing))('image import: the guest kit (issue 20)', () => {
  const t = tempLayout('banger-import-kit-');
  const layout = t.layout;
  const src = join(t.root, 'src');
  const hostTarget = join(t.root, 'host-target');
  // The minimal image's args: a systemd image must boot systemd, not its /sbin/init.
  const kernelFrom = { kernelPath: join(src, 'vmlinuz'), initrdPath: join(src, 'initrd.img'), kernelArgs: 'root=/dev/vda rw init=/sbin/init' };

  beforeAll(() => {
    mkdirSync(src, { recursive: true });
    mkdirSync(hostTarget, { recursive: true });
    writeFileSync(join(hostTarget, 'victim'), 'host file\n');
    writeFileSync(kernelFrom.kernelPath, 'kernel');
    writeFileSync(kernelFrom.initrdPath, 'initrd');
  });
  afterAll(() => t.cleanup());

  const x = { mode: 0o755 };
  const systemdBase: FixtureEntry[] = [
    { name: 'usr/', type: 'directory' },
    { name: 'usr/lib/systemd/systemd', body: '', ...x },
    { name: 'usr/lib/systemd/system/ssh.service', body: '[Service]\nExecStart=/usr/sbin/sshd -D\n' },
    { name: 'usr/bin/dash', body: '', ...x },
    { name: 'usr/bin/sh', type: 'symlink', linkname: 'dash' },
    { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
    { name: 'sbin', type: 'symlink', linkname: 'usr/sbin' },
    { name: 'usr/sbin/init', type: 'symlink', linkname: '/lib/systemd/systemd' },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/hostname', body: 'buildkitsandbox\n' },
  ];
  const sshdLayer: FixtureEntry[] = [
    { name: 'usr/sbin/sshd', body: '', ...x },
    { name: 'usr/bin/ssh-keygen', body: '', ...x },
    { name: 'usr/sbin/ip', body: '', ...x },
    { name: 'etc/ssh/sshd_config', body: 'Include /etc/ssh/sshd_config.d/*.conf\n' },
    { name: 'etc/ssh/ssh_host_ed25519_key', body: 'baked into every copy', mode: 0o600 },
    { name: 'etc/ssh/ssh_host_ed25519_key.pub', body: 'baked' },
    { name: 'etc/ssh/ssh_host_rsa_key', body: 'baked', mode: 0o600 },
    { name: 'etc/systemd/system/multi-user.target.wants/ssh.service', type: 'symlink', linkname: '/lib/systemd/system/ssh.service' },
    // Planted by a hostile image: the kit replaces it and never writes through it.
    { name: 'etc/hosts', type: 'symlink', linkname: join(hostTarget, 'victim') },
  ];

  const leftovers = () => ({ images: readdirSync(layout.imagesDir), scratch: readdirSync(layout.cacheDir).filter((n) => n.startsWith('import-')) });

  it('installs banger\'s network, sshd and agent units into a systemd image, and boots it init=/lib/systemd/systemd', async () => {
    const dir = join(src, 'systemd-oci');
    writeOciLayout(dir, [{ tar: await makeTar(systemdBase), gzip: true }, { tar: await makeTar(sshdLayer) }]);
    const steps: string[] = [];
    const image = await importImage({ layout, name: 'sysd', source: dir, kernelFrom, onProgress: (s, d) => steps.push(`${s}:${d}`) });
    expect(steps).toContain("import.guest:systemd: banger's network, sshd and agent units installed");
    expect(image).toMatchObject({ profile: 'imported', kernelArgs: DEBIAN_KERNEL_ARGS });
    expect(image.kernelArgs).toContain('init=/lib/systemd/systemd');

    const img = image.rootfsPath;
    const wants = '/etc/systemd/system/multi-user.target.wants';
    for (const unit of ['banger-net.service', 'banger-agent.service', 'banger-agent-vsock.service']) {
      expect(ext4Stat(img, `/etc/systemd/system/${unit}`)).toMatchObject({ type: 'regular', uid: 0, mode: 0o644 });
      expect(ext4Stat(img, `${wants}/${unit}`)).toMatchObject({ type: 'symlink', link: `/etc/systemd/system/${unit}` });
    }
    expect(ext4Stat(img, '/etc/systemd/system/local-fs.target.wants/banger-work.service')).toMatchObject({ type: 'symlink' });
    // The image's own enablement of sshd is kept.
    expect(ext4Stat(img, `${wants}/ssh.service`)).toMatchObject({ type: 'symlink', link: '/lib/systemd/system/ssh.service' });
    expect(ext4Cat(img, '/etc/ssh/sshd_config.d/banger.conf')).toContain('AuthorizedKeysFile .ssh/authorized_keys /etc/banger/authorized_keys');
    expect(ext4Cat(img, '/etc/systemd/system/ssh.service.d/banger-hostkeys.conf')).toContain('ssh-keygen -A');
    expect(ext4Ls(img, '/etc/ssh').filter((f) => f.startsWith('ssh_host_'))).toEqual([]);
    expect(ext4Cat(img, '/etc/banger/profile')).toBe('imported\n');
    expect(ext4Stat(img, '/etc/banger/authorized_keys')).toMatchObject({ uid: 0, mode: 0o600 });
    expect(ext4Cat(img, '/etc/banger/authorized_keys')).toBe(readFileSync(`${layout.sshKeyPath}.pub`, 'utf8').trim() + '\n');
    // Through merged-usr /lib -> usr/lib, where the guest will look.
    for (const f of ['net', 'work', 'agent']) expect(ext4Stat(img, `/usr/lib/banger/${f}`)).toMatchObject({ type: 'regular', mode: 0o755 });
    expect(ext4Stat(img, '/usr/sbin/banger-vsock')).toMatchObject({ type: 'regular', mode: 0o755 });
    expect(ext4Cat(img, '/etc/hostname')).toBe('banger\n');
    expect(ext4Stat(img, '/etc/machine-id')).toMatchObject({ type: 'regular', mode: 0o444 });
    expect(ext4Cat(img, '/etc/machine-id')).toBe('');
    expect(ext4Stat(img, '/etc/hosts')).toMatchObject({ type: 'regular' });
    expect(readFileSync(join(hostTarget, 'victim'), 'utf8')).toBe('host file\n');
    // No udev in this image: no serial getty waiting 90 s for dev-ttyS0.device, and busybox acpid takes the power button.
    expect(ext4Stat(img, '/etc/systemd/system/serial-getty@ttyS0.service')).toMatchObject({ type: 'symlink', link: '/dev/null' });
    expect(ext4Stat(img, `${wants}/banger-acpid.service`)).toMatchObject({ type: 'symlink', link: '/etc/systemd/system/banger-acpid.service' });
    expect(ext4Cat(img, '/etc/systemd/system/banger-acpid.service')).toContain('ExecStart=/usr/lib/banger/busybox acpid -f -c /usr/lib/banger/acpi');
    expect(ext4Stat(img, '/usr/lib/banger/busybox')).toMatchObject({ type: 'regular', mode: 0o755 });
    expect(ext4Cat(img, '/usr/lib/banger/acpi/PWRF/00000080')).toContain('systemctl poweroff');
  }, 120_000);

  it('an image with udev, logind and a system bus keeps its own serial getty and power button', async () => {
    const dir = join(src, 'systemd-udev-oci');
    const devices: FixtureEntry[] = [
      { name: 'usr/lib/systemd/systemd-udevd', body: '', ...x },
      { name: 'usr/lib/systemd/systemd-logind', body: '', ...x },
      { name: 'usr/bin/dbus-daemon', body: '', ...x },
    ];
    writeOciLayout(dir, [{ tar: await makeTar([...systemdBase, ...devices]) }, { tar: await makeTar(sshdLayer.filter((e) => e.name !== 'etc/hosts')) }]);
    const image = await importImage({ layout, name: 'sysd-udev', source: dir, kernelFrom });
    expect(ext4Stat(image.rootfsPath, '/etc/systemd/system/serial-getty@ttyS0.service')).toBeUndefined();
    expect(ext4Stat(image.rootfsPath, '/etc/systemd/system/banger-acpid.service')).toBeUndefined();
    expect(ext4Stat(image.rootfsPath, '/usr/lib/banger/busybox')).toBeUndefined();
  }, 120_000);

  it('imports an image banger built as it is, with the borrowed kernel args', async () => {
    const tar = join(src, 'banger.tar');
    writeFileSync(tar, await makeTar([{ name: 'etc/', type: 'directory' }, BANGER_PROFILE, ...systemdBase.filter((e) => e.name !== 'etc/')]));
    const steps: string[] = [];
    const image = await importImage({ layout, name: 'own', source: tar, kernelFrom, onProgress: (s, d) => steps.push(`${s}:${d}`) });
    expect(steps).toContain('import.guest:banger image');
    expect(image.kernelArgs).toBe(kernelFrom.kernelArgs);
    expect(ext4Stat(image.rootfsPath, '/etc/systemd/system/banger-net.service')).toBeUndefined();
    expect(ext4Cat(image.rootfsPath, '/etc/hostname')).toBe('buildkitsandbox\n');
  }, 60_000);

  it.each<[string, FixtureEntry[], string, RegExp]>([
    [
      'an image with no init banger can start (busybox)',
      [{ name: 'bin/busybox', body: '', mode: 0o755 }, { name: 'sbin/init', type: 'symlink', linkname: '/bin/busybox' }, { name: 'usr/sbin/sshd', body: '' }],
      'image.not_bootable',
      /^image is not bootable by banger: no systemd at \/lib\/systemd\/systemd or \/usr\/lib\/systemd\/systemd \(\/sbin\/init is \/bin\/busybox, not systemd\)/,
    ],
    ['a systemd image without sshd', systemdBase, 'image.guest_incomplete', /^image has systemd but not what banger needs to reach it: sshd \(\/usr\/sbin\/sshd, package openssh-server\), ssh-keygen \(\/usr\/bin\/ssh-keygen, package openssh-client\), ip \(package iproute2\)$/],
  ])('refuses %s before mkfs, leaving no image dir and no scratch dir', async (_what, entries, code, msg) => {
    const before = leftovers();
    const dir = join(src, `refused-${code}`);
    writeOciLayout(dir, [{ tar: await makeTar(entries) }]);
    const err = await importImage({ layout, name: 'refused', source: dir, kernelFrom }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, message: expect.stringMatching(msg), hint: expect.stringContaining('banger image build --profile dev') });
    expect(leftovers()).toEqual(before);
  }, 60_000);
});
