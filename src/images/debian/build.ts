import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '../../host/exec/index.js';
import { makeExt4, ownershipForCaller, type OwnershipSink } from '../../host/storage/index.js';
import { GiB, type Image } from '../../model/index.js';
import { GuestRoot, installSystemdKit } from '../guest-kit/index.js';
import { unpackTar } from '../import/index.js';
import type { ProfileBuildContext } from '../profile.js';
import { buildProfileImage } from '../profile-build.js';
import { runMmdebstrap } from './mmdebstrap.js';
import { assertUnshareReady, probeUnshare } from './unshare.js';

/** Kernel args the debian image needs; network and console are added per VM. */
export const DEBIAN_KERNEL_ARGS = 'root=/dev/vda rw init=/lib/systemd/systemd';

export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/** minbase plus what a banger guest needs: systemd as init, sshd, iproute2 for the network unit, dbus for logind (power button). */
export const DEBIAN_PACKAGES = ['systemd-sysv', 'udev', 'dbus', 'openssh-server', 'iproute2', 'kmod', 'procps', 'ca-certificates', 'less'];

/**
 * The dev profile: the debian image plus what a repository's build and tests
 * usually reach for, so `vm run --image dev ./repo -- make test` works on a
 * fresh machine. Debian's packages only, from the same bootstrap.
 */
export const DEV_PACKAGES = [...DEBIAN_PACKAGES, 'git', 'curl', 'build-essential', 'python3', 'openssh-client', 'xz-utils', 'unzip'];

/**
 * debian profile: mmdebstrap bookworm (minbase + systemd + sshd), the same
 * Debian cloud kernel and virtio initramfs as the minimal profile, the
 * kernel's modules inside the rootfs for udev, a oneshot unit that applies
 * the `ip=` network from the kernel command line, per-VM SSH host keys made
 * at first boot, banger's key and the guest agent (virtio-serial and vsock).
 *
 * As root, mmdebstrap writes the tree and mkfs.ext4 -d copies its owners.
 * As an ordinary user, mmdebstrap runs in a user namespace and writes a
 * tarball, which is unpacked like an import with the owners recorded, and
 * the ext4 is made under fakeroot from that record (OwnershipSink).
 */
export async function buildDebian(ctx: ProfileBuildContext, profile: 'debian' | 'dev' = 'debian'): Promise<Image> {
  const { progress, signal } = ctx;
  const asRoot = process.getuid?.() === 0;
  // Before the kernel fetch: a missing subuid range should fail in a second, not after a download.
  if (!asRoot) assertUnshareReady(await probeUnshare({ signal }));
  return buildProfileImage(ctx, {
    profile,
    kernelArgs: DEBIAN_KERNEL_ARGS,
    async buildRootfs({ kernel, scratch, rootfsPath }) {
      const root = join(scratch, 'rootfs');
      const ownership = ownershipForCaller();
      const bootstrap = { suite: DEBIAN_SUITE, mirror: DEBIAN_MIRROR, packages: profile === 'dev' ? DEV_PACKAGES : DEBIAN_PACKAGES, cacheDir: ctx.cacheDir, signal };
      progress('mmdebstrap', `${DEBIAN_SUITE} minbase from ${DEBIAN_MIRROR}${asRoot ? '' : ' in a user namespace'} (a minute or two)`);
      if (asRoot) {
        await runMmdebstrap({ ...bootstrap, mode: 'root', target: root });
      } else {
        const tar = join(scratch, 'rootfs.tar');
        await runMmdebstrap({ ...bootstrap, mode: 'unshare', target: tar });
        progress('rootfs.unpack', 'owners recorded for fakeroot');
        await mkdir(root, { mode: 0o755 });
        await unpackTar(tar, root, ownership, signal);
        await ownership.remove(tar);
      }
      progress('rootfs.configure', 'network unit, sshd, agent, modules');
      await configureRootfs(root, ownership, ctx.sshKey.publicKey, kernel.modulesDir, kernel.release, signal);
      progress('rootfs.mkfs', 'ext4');
      // Sparse: the apparent size is headroom for packages installed in the guest.
      await makeExt4({ path: rootfsPath, sizeBytes: 4 * GiB, fromDir: root, ownership, label: 'banger-root', signal });
    },
  });
}

/**
 * banger's systemd integration (src/images/guest-kit), then what only a
 * debian build has: the kernel's modules, and no package cache.
 */
async function configureRootfs(root: string, owners: OwnershipSink, authorizedKey: string, modulesDir: string, release: string, signal?: AbortSignal): Promise<void> {
  await installSystemdKit(new GuestRoot(root, owners), { authorizedKey, profile: 'debian' });

  // The kernel's modules, so udev in the guest can load what the initramfs did not.
  const modDst = join(root, 'lib', 'modules', release);
  await mkdir(dirname(modDst), { recursive: true });
  await run('cp', ['-a', modulesDir, modDst], { signal });
  // The bootstrap leaves its package cache and apt lists: dead weight in every VM. All of
  // /var/cache/apt goes: the cache sync-in (mmdebstrap.ts) gave it the owner of banger's cache dir.
  await owners.remove(join(root, 'var', 'cache', 'apt'));
  await mkdir(join(root, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
  await owners.remove(join(root, 'var', 'lib', 'apt', 'lists'));
  await mkdir(join(root, 'var', 'lib', 'apt', 'lists', 'partial'), { recursive: true });
}
