import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordedOwnership } from '../../../../src/host/storage/index.js';
import { GuestRoot, installSystemdKit } from '../../../../src/images/guest-kit/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A root to write into, and a host directory next to it that hostile symlinks aim at. */
function setup(): { root: string; outside: string; guest: GuestRoot } {
  const top = mkdtempSync(join(tmpdir(), 'guest-root-'));
  dirs.push(top);
  const root = join(top, 'rootfs');
  const outside = join(top, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  return { root, outside, guest: new GuestRoot(root, recordedOwnership()) };
}

describe('GuestRoot', () => {
  it('replaces a symlink planted at the leaf instead of writing through it', async () => {
    const { root, outside, guest } = setup();
    writeFileSync(join(outside, 'victim'), 'host data\n');
    mkdirSync(join(root, 'etc'));
    symlinkSync(join(outside, 'victim'), join(root, 'etc', 'hostname'));
    await guest.writeFile('/etc/hostname', 'banger\n', 0o644);
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('host data\n');
    expect(lstatSync(join(root, 'etc', 'hostname')).isFile()).toBe(true);
    expect(readFileSync(join(root, 'etc', 'hostname'), 'utf8')).toBe('banger\n');
  });

  it('resolves parent symlinks as the guest would, inside the root: an escape lands in the image', async () => {
    const { root, outside, guest } = setup();
    mkdirSync(join(root, 'etc'));
    symlinkSync('../../../../outside', join(root, 'etc', 'systemd'));
    symlinkSync(outside, join(root, 'usr'));
    await guest.symlink('/dev/null', '/etc/systemd/system/fstrim.timer');
    await guest.writeFile('/usr/lib/banger/net', '#!/bin/sh\n', 0o755);
    expect(readdirSync(outside)).toEqual([]);
    // "../../../../outside" from /etc stops at the guest's "/": /outside in the image.
    expect(readlinkSync(join(root, 'outside', 'system', 'fstrim.timer'))).toBe('/dev/null');
    expect(readFileSync(join(root, outside, 'lib', 'banger', 'net'), 'utf8')).toBe('#!/bin/sh\n');
  });

  it('refuses to write under a path the image has as a file, naming it', async () => {
    const { root, guest } = setup();
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'ssh'), '');
    await expect(guest.writeFile('/etc/ssh/sshd_config.d/banger.conf', '', 0o644)).rejects.toMatchObject({
      code: 'image.guest_kit_refused',
      message: "cannot install banger's guest integration: /etc/ssh in the image is not a directory",
    });
  });
});

describe('installSystemdKit on an imported image', () => {
  const unitDir = (root: string) => join(root, 'usr', 'lib', 'systemd', 'system');

  it('names sshd.service where the image calls it that, enables it, and empties the machine id', async () => {
    const { root, guest } = setup();
    mkdirSync(unitDir(root), { recursive: true });
    symlinkSync('usr/lib', join(root, 'lib'));
    writeFileSync(join(unitDir(root), 'sshd.service'), '[Service]\n');
    mkdirSync(join(root, 'etc', 'ssh'), { recursive: true });
    writeFileSync(join(root, 'etc', 'ssh', 'ssh_host_ed25519_key'), 'baked');
    writeFileSync(join(root, 'etc', 'machine-id'), '0123456789abcdef0123456789abcdef\n');
    await installSystemdKit(guest, { authorizedKey: 'ssh-ed25519 AAAA banger', profile: 'imported', imported: true });
    const etc = join(root, 'etc');
    expect(readFileSync(join(etc, 'systemd/system/sshd.service.d/banger-hostkeys.conf'), 'utf8')).toMatch(/ssh-keygen -A/);
    expect(readlinkSync(join(etc, 'systemd/system/multi-user.target.wants/sshd.service'))).toBe('/lib/systemd/system/sshd.service');
    expect(readdirSync(join(etc, 'ssh')).filter((f) => f.startsWith('ssh_host_'))).toEqual([]);
    expect(readFileSync(join(etc, 'machine-id'), 'utf8')).toBe('');
    expect(readFileSync(join(etc, 'banger', 'profile'), 'utf8')).toBe('imported\n');
    expect(readlinkSync(join(etc, 'systemd/system/multi-user.target.wants/banger-net.service'))).toBe('/etc/systemd/system/banger-net.service');
  });

  it('leaves sshd alone when the image starts it by socket (Ubuntu 24.04)', async () => {
    const { root, guest } = setup();
    mkdirSync(unitDir(root), { recursive: true });
    writeFileSync(join(unitDir(root), 'ssh.service'), '[Service]\n');
    mkdirSync(join(root, 'etc/systemd/system/sockets.target.wants'), { recursive: true });
    symlinkSync('/usr/lib/systemd/system/ssh.socket', join(root, 'etc/systemd/system/sockets.target.wants/ssh.socket'));
    await installSystemdKit(guest, { authorizedKey: 'k', profile: 'imported', imported: true });
    expect(readdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'))).not.toContain('ssh.service');
    expect(readFileSync(join(root, 'etc/systemd/system/ssh.service.d/banger-hostkeys.conf'), 'utf8')).toMatch(/ExecStartPre=/);
  });
});
