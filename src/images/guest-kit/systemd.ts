import { agentScriptPath, debianAssetPath, guestKitAssetPath, reseedToolPath, vsockToolPath } from '../assets.js';
import type { GuestRoot } from './guest-root.js';

/** Units that only cost boot time in a throwaway VM. */
const MASKED = ['apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'e2scrub_reap.service', 'fstrim.timer', 'systemd-networkd-wait-online.service', 'getty@tty1.service'];

/** Where a distribution's own units live (Debian's /lib, merged-usr and Fedora's /usr/lib), then the admin's. */
const UNIT_DIRS = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

export interface SystemdKitOptions {
  /** banger's public key, for /etc/banger/authorized_keys (sshd reads it besides /root/.ssh). */
  authorizedKey: string;
  /** Written to /etc/banger/profile: what made this guest ("debian" for debian and dev builds, "imported"). */
  profile: string;
  /** The host's static busybox, for the power-button handler an image without udev or logind gets. @default '/bin/busybox' */
  busyboxPath?: string;
  /**
   * An image made elsewhere: sshd is enabled when the image enables neither
   * its service nor its socket, and /etc/machine-id is emptied so every VM
   * makes its own id, and no first-boot wizard (systemd-firstboot) waits for
   * an answer on the console. A debian build needs neither (mmdebstrap and
   * the packages' scripts did it) and stays as it was.
   */
  imported?: boolean;
}

/**
 * Installs banger's guest integration into a systemd root: hostname, hosts,
 * fstab, /etc/banger/{authorized_keys,profile}, sshd's drop-in (banger's key,
 * no passwords), host keys made per VM at first boot (baked ones removed),
 * the network unit that applies the kernel's `ip=`, the work disk at /root,
 * the guest agent on virtio-serial and vsock, and masks for units that only
 * cost boot time. The tree needs systemd, sshd, iproute2's `ip` and /bin/sh
 * (import's classifier checks that first). Writes only through `root`, so a
 * hostile tree cannot redirect a write out of it. Idempotent.
 */
export async function installSystemdKit(root: GuestRoot, opts: SystemdKitOptions): Promise<void> {
  await root.writeFile('/etc/hostname', 'banger\n', 0o644);
  await root.writeFile('/etc/hosts', '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n', 0o644);
  await root.install(debianAssetPath('fstab'), '/etc/fstab', 0o644);
  await root.writeFile('/etc/banger/authorized_keys', `${opts.authorizedKey.trim()}\n`, 0o600);
  await root.writeFile('/etc/banger/profile', `${opts.profile}\n`, 0o644);
  if (opts.imported) await root.writeFile('/etc/machine-id', '', 0o444);

  // sshd: banger's key, no passwords, host keys made per VM at first boot.
  const ssh = await sshUnit(root);
  await root.install(debianAssetPath('sshd-banger.conf'), '/etc/ssh/sshd_config.d/banger.conf', 0o644);
  for (const f of await root.list('/etc/ssh')) if (f.startsWith('ssh_host_')) await root.remove(`/etc/ssh/${f}`);
  await root.install(debianAssetPath('ssh-hostkeys.conf'), `/etc/systemd/system/${ssh.name}.d/banger-hostkeys.conf`, 0o644);
  if (opts.imported && ssh.path && !(await sshEnabled(root))) await root.symlink(ssh.path, `/etc/systemd/system/multi-user.target.wants/${ssh.name}`);

  await root.install(debianAssetPath('banger-net.sh'), '/usr/lib/banger/net', 0o755);
  await root.install(debianAssetPath('banger-work.sh'), '/usr/lib/banger/work', 0o755);
  await root.install(agentScriptPath(), '/usr/lib/banger/agent', 0o755);
  await root.install(reseedToolPath(), '/usr/sbin/banger-reseed', 0o755);
  await root.install(vsockToolPath(), '/usr/sbin/banger-vsock', 0o755);
  await root.install(debianAssetPath('banger-net.service'), '/etc/systemd/system/banger-net.service', 0o644);
  await root.install(debianAssetPath('banger-agent.service'), '/etc/systemd/system/banger-agent.service', 0o644);
  // The agent on vsock (Firecracker); banger-agent.service is its virtio-serial side (QEMU).
  await root.install(debianAssetPath('banger-agent-vsock.service'), '/etc/systemd/system/banger-agent-vsock.service', 0o644);
  await root.install(debianAssetPath('banger-work.service'), '/etc/systemd/system/banger-work.service', 0o644);
  await enable(root, 'banger-work.service', 'local-fs.target');
  await enable(root, 'banger-net.service');
  await enable(root, 'banger-agent.service');
  await enable(root, 'banger-agent-vsock.service');
  for (const unit of MASKED) await root.symlink('/dev/null', `/etc/systemd/system/${unit}`);
  if (opts.imported) await withoutUdev(root, opts.busyboxPath ?? '/bin/busybox');
}

/** What a guest has of the parts that turn hardware into systemd events (an image built FROM debian + systemd-sysv has no udev). */
export interface DeviceSupport {
  udev: boolean;
  /** logind and a system bus: what turns the power button into a shutdown, given udev. */
  logind: boolean;
}

export async function deviceSupport(root: GuestRoot): Promise<DeviceSupport> {
  const any = async (paths: string[]) => (await Promise.all(paths.map((p) => root.lstat(p)))).some(Boolean);
  const udev = await any(['/lib/systemd/systemd-udevd', '/usr/lib/systemd/systemd-udevd']);
  const logind = (await any(['/lib/systemd/systemd-logind', '/usr/lib/systemd/systemd-logind'])) && (await any(['/usr/bin/dbus-daemon', '/usr/bin/dbus-broker']));
  return { udev, logind };
}

/**
 * A guest without udev never sees its devices as systemd units: the serial
 * getty the console= argument asks for waits 90 s for dev-ttyS0.device and
 * fails, and logind finds no power button (it goes by udev's tags), so QEMU's
 * system_powerdown does nothing and vm stop kills the VM after its timeout.
 * Such a guest gets no serial getty (banger logs in over SSH) and busybox
 * acpid (static, from the host; it reads /dev/input itself) running
 * `systemctl poweroff` on the button.
 */
async function withoutUdev(root: GuestRoot, busyboxPath: string): Promise<void> {
  const has = await deviceSupport(root);
  if (!has.udev) await root.symlink('/dev/null', '/etc/systemd/system/serial-getty@ttyS0.service');
  if (has.udev && has.logind) return;
  await root.install(busyboxPath, '/usr/lib/banger/busybox', 0o755);
  // busybox acpid maps the power button to PWRF/00000080 under its conf dir.
  await root.install(guestKitAssetPath('acpi-poweroff'), '/usr/lib/banger/acpi/PWRF/00000080', 0o755);
  await root.install(guestKitAssetPath('banger-acpid.service'), '/etc/systemd/system/banger-acpid.service', 0o644);
  await enable(root, 'banger-acpid.service');
}

/** What `systemctl enable` does for a unit of banger's in /etc/systemd/system. */
async function enable(root: GuestRoot, unit: string, target = 'multi-user.target'): Promise<void> {
  await root.symlink(`/etc/systemd/system/${unit}`, `/etc/systemd/system/${target}.wants/${unit}`);
}

/**
 * sshd's unit: Debian and Ubuntu call it ssh.service (sshd.service is an
 * alias there), Fedora and Arch sshd.service. The host-key drop-in must name
 * the real one: a drop-in for an alias is not read when the unit starts by
 * its own name.
 */
async function sshUnit(root: GuestRoot): Promise<{ name: string; path?: string }> {
  for (const name of ['ssh.service', 'sshd.service']) {
    for (const dir of UNIT_DIRS) {
      const entry = await root.lstat(`${dir}/${name}`);
      // A symlink in a unit dir is an alias (Debian's sshd.service -> ssh.service): not the unit itself.
      if (entry?.stat.isFile()) return { name, path: `${dir}/${name}` };
    }
  }
  return { name: 'ssh.service' };
}

/** Whether the image starts sshd at boot already: its service, or its socket (Ubuntu 24.04 activates sshd by socket). */
async function sshEnabled(root: GuestRoot): Promise<boolean> {
  const links = ['multi-user.target.wants/ssh.service', 'multi-user.target.wants/sshd.service', 'sockets.target.wants/ssh.socket', 'sockets.target.wants/sshd.socket'];
  for (const link of links) if (await root.lstat(`/etc/systemd/system/${link}`)) return true;
  return false;
}
