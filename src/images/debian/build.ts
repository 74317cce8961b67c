import { copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '../../host/exec/index.js';
import { makeExt4, ownershipForCaller, type OwnershipSink } from '../../host/storage/index.js';
import { GiB, type Image } from '../../model/index.js';
import { agentScriptPath, reseedToolPath, debianAssetPath, vsockToolPath } from '../assets.js';
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

/** Units that only cost boot time in a throwaway VM. */
const MASKED = ['apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'e2scrub_reap.service', 'fstrim.timer', 'systemd-networkd-wait-online.service', 'getty@tty1.service'];

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

/** Banger's files are new (root-owned in the image either way); modes go through the sink, which keeps them. */
async function install(owners: OwnershipSink, src: string, dst: string, mode: number): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  await copyFile(src, dst);
  await owners.chmod(dst, mode);
}

async function enable(owners: OwnershipSink, root: string, unit: string, target = 'multi-user.target'): Promise<void> {
  const wants = join(root, `etc/systemd/system/${target}.wants`);
  await mkdir(wants, { recursive: true });
  await owners.remove(join(wants, unit));
  await symlink(`/etc/systemd/system/${unit}`, join(wants, unit));
}

async function configureRootfs(root: string, owners: OwnershipSink, authorizedKey: string, modulesDir: string, release: string, signal?: AbortSignal): Promise<void> {
  const etc = join(root, 'etc');
  await writeFile(join(etc, 'hostname'), 'banger\n');
  await writeFile(join(etc, 'hosts'), '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n');
  await install(owners, debianAssetPath('fstab'), join(etc, 'fstab'), 0o644);
  await mkdir(join(etc, 'banger'), { recursive: true });
  await writeFile(join(etc, 'banger', 'authorized_keys'), `${authorizedKey.trim()}\n`, { mode: 0o600 });
  await writeFile(join(etc, 'banger', 'profile'), 'debian\n');

  // sshd: banger's key, no passwords, host keys made per VM at first boot.
  await install(owners, debianAssetPath('sshd-banger.conf'), join(etc, 'ssh', 'sshd_config.d', 'banger.conf'), 0o644);
  for (const f of await readdir(join(etc, 'ssh'))) if (f.startsWith('ssh_host_')) await owners.remove(join(etc, 'ssh', f));
  await install(owners, debianAssetPath('ssh-hostkeys.conf'), join(etc, 'systemd', 'system', 'ssh.service.d', 'banger-hostkeys.conf'), 0o644);

  await install(owners, debianAssetPath('banger-net.sh'), join(root, 'usr', 'lib', 'banger', 'net'), 0o755);
  await install(owners, debianAssetPath('banger-work.sh'), join(root, 'usr', 'lib', 'banger', 'work'), 0o755);
  await install(owners, agentScriptPath(), join(root, 'usr', 'lib', 'banger', 'agent'), 0o755);
  await install(owners, reseedToolPath(), join(root, 'usr', 'sbin', 'banger-reseed'), 0o755);
  await install(owners, vsockToolPath(), join(root, 'usr', 'sbin', 'banger-vsock'), 0o755);
  await install(owners, debianAssetPath('banger-net.service'), join(etc, 'systemd', 'system', 'banger-net.service'), 0o644);
  await install(owners, debianAssetPath('banger-agent.service'), join(etc, 'systemd', 'system', 'banger-agent.service'), 0o644);
  // The agent on vsock (Firecracker); banger-agent.service is its virtio-serial side (QEMU).
  await install(owners, debianAssetPath('banger-agent-vsock.service'), join(etc, 'systemd', 'system', 'banger-agent-vsock.service'), 0o644);
  await install(owners, debianAssetPath('banger-work.service'), join(etc, 'systemd', 'system', 'banger-work.service'), 0o644);
  await enable(owners, root, 'banger-work.service', 'local-fs.target');
  await enable(owners, root, 'banger-net.service');
  await enable(owners, root, 'banger-agent.service');
  await enable(owners, root, 'banger-agent-vsock.service');
  for (const unit of MASKED) {
    await owners.remove(join(etc, 'systemd', 'system', unit));
    await symlink('/dev/null', join(etc, 'systemd', 'system', unit));
  }

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
