import { chmod, copyFile, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidInputError } from '../../errors/index.js';
import { run } from '../../host/proc/index.js';
import { makeExt4 } from '../../host/storage/index.js';
import { GiB, type Image } from '../../model/index.js';
import { agentScriptPath, debianAssetPath } from '../assets.js';
import type { ProfileBuildContext } from '../profile.js';
import { buildProfileImage } from '../profile-build.js';

/** Kernel args the debian image needs; network and console are added per VM. */
export const DEBIAN_KERNEL_ARGS = 'root=/dev/vda rw init=/lib/systemd/systemd';

export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/** minbase plus what a banger guest needs: systemd as init, sshd, iproute2 for the network unit, dbus for logind (power button). */
const PACKAGES = ['systemd-sysv', 'udev', 'dbus', 'openssh-server', 'iproute2', 'kmod', 'procps', 'ca-certificates', 'less'];

/** Units that only cost boot time in a throwaway VM. */
const MASKED = ['apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'e2scrub_reap.service', 'fstrim.timer', 'systemd-networkd-wait-online.service', 'getty@tty1.service'];

/**
 * debian profile: debootstrap bookworm (minbase + systemd + sshd), the same
 * Debian cloud kernel and virtio initramfs as the minimal profile, the
 * kernel's modules inside the rootfs for udev, a oneshot unit that applies
 * the `ip=` network from the kernel command line, per-VM SSH host keys made
 * at first boot, banger's key and the guest agent. Needs root (debootstrap,
 * and mkfs.ext4 -d keeps the ownership it sees).
 */
export async function buildDebian(ctx: ProfileBuildContext): Promise<Image> {
  const { progress, signal } = ctx;
  if (process.getuid?.() !== 0) {
    throw new InvalidInputError('the debian profile needs root (debootstrap and file ownership in the rootfs)', {
      hint: 'run bangerd as root, or build --profile minimal',
    });
  }
  return buildProfileImage(ctx, {
    profile: 'debian',
    kernelArgs: DEBIAN_KERNEL_ARGS,
    async buildRootfs({ kernel, scratch, rootfsPath }) {
      const root = join(scratch, 'rootfs');
      const debCache = join(ctx.cacheDir, 'debootstrap-debs');
      await mkdir(debCache, { recursive: true });
      progress('debootstrap', `${DEBIAN_SUITE} minbase from ${DEBIAN_MIRROR} (about a minute)`);
      await run(
        'debootstrap',
        ['--variant=minbase', `--include=${PACKAGES.join(',')}`, `--cache-dir=${debCache}`, DEBIAN_SUITE, root, DEBIAN_MIRROR],
        { signal, hint: 'install debootstrap (apt-get install debootstrap) and check that deb.debian.org is reachable' },
      );
      progress('rootfs.configure', 'network unit, sshd, agent, modules');
      await configureRootfs(root, ctx.sshKey.publicKey, kernel.modulesDir, kernel.release, signal);
      progress('rootfs.mkfs', 'ext4');
      // Sparse: the apparent size is headroom for packages installed in the guest.
      await makeExt4({ path: rootfsPath, sizeBytes: 4 * GiB, fromDir: root, label: 'banger-root', signal });
    },
  });
}

async function install(src: string, dst: string, mode: number): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  await copyFile(src, dst);
  await chmod(dst, mode);
}

async function enable(root: string, unit: string, target = 'multi-user.target'): Promise<void> {
  const wants = join(root, `etc/systemd/system/${target}.wants`);
  await mkdir(wants, { recursive: true });
  await rm(join(wants, unit), { force: true });
  await symlink(`/etc/systemd/system/${unit}`, join(wants, unit));
}

async function configureRootfs(root: string, authorizedKey: string, modulesDir: string, release: string, signal?: AbortSignal): Promise<void> {
  const etc = join(root, 'etc');
  await writeFile(join(etc, 'hostname'), 'banger\n');
  await writeFile(join(etc, 'hosts'), '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n');
  await install(debianAssetPath('fstab'), join(etc, 'fstab'), 0o644);
  await mkdir(join(etc, 'banger'), { recursive: true });
  await writeFile(join(etc, 'banger', 'authorized_keys'), `${authorizedKey.trim()}\n`, { mode: 0o600 });
  await writeFile(join(etc, 'banger', 'profile'), 'debian\n');

  // sshd: banger's key, no passwords, host keys made per VM at first boot.
  await install(debianAssetPath('sshd-banger.conf'), join(etc, 'ssh', 'sshd_config.d', 'banger.conf'), 0o644);
  for (const f of await readdir(join(etc, 'ssh'))) if (f.startsWith('ssh_host_')) await rm(join(etc, 'ssh', f));
  await install(debianAssetPath('ssh-hostkeys.conf'), join(etc, 'systemd', 'system', 'ssh.service.d', 'banger-hostkeys.conf'), 0o644);

  await install(debianAssetPath('banger-net.sh'), join(root, 'usr', 'lib', 'banger', 'net'), 0o755);
  await install(debianAssetPath('banger-work.sh'), join(root, 'usr', 'lib', 'banger', 'work'), 0o755);
  await install(agentScriptPath(), join(root, 'usr', 'lib', 'banger', 'agent'), 0o755);
  await install(debianAssetPath('banger-net.service'), join(etc, 'systemd', 'system', 'banger-net.service'), 0o644);
  await install(debianAssetPath('banger-agent.service'), join(etc, 'systemd', 'system', 'banger-agent.service'), 0o644);
  await install(debianAssetPath('banger-work.service'), join(etc, 'systemd', 'system', 'banger-work.service'), 0o644);
  await enable(root, 'banger-work.service', 'local-fs.target');
  await enable(root, 'banger-net.service');
  await enable(root, 'banger-agent.service');
  for (const unit of MASKED) {
    await rm(join(etc, 'systemd', 'system', unit), { force: true });
    await symlink('/dev/null', join(etc, 'systemd', 'system', unit));
  }

  // The kernel's modules, so udev in the guest can load what the initramfs did not.
  const modDst = join(root, 'lib', 'modules', release);
  await mkdir(dirname(modDst), { recursive: true });
  await run('cp', ['-a', modulesDir, modDst], { signal });
  // debootstrap leaves its package cache and apt lists: dead weight in every VM.
  await rm(join(root, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
  await mkdir(join(root, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
  await rm(join(root, 'var', 'lib', 'apt', 'lists'), { recursive: true, force: true });
  await mkdir(join(root, 'var', 'lib', 'apt', 'lists', 'partial'), { recursive: true });
}
