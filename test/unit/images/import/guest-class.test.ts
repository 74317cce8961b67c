import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyGuest, requireBootable, withInit, type GuestClass } from '../../../../src/images/import/guest-class.js';

/** A tree of empty files and symlinks (`-> target`), as a flattened image would leave it. */
type Tree = Record<string, string>;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(spec: Tree): { top: string; root: string } {
  const top = mkdtempSync(join(tmpdir(), 'guest-class-'));
  dirs.push(top);
  const root = join(top, 'rootfs');
  mkdirSync(root);
  for (const [path, what] of Object.entries(spec)) {
    const at = join(root, path);
    mkdirSync(dirname(at), { recursive: true });
    if (what.startsWith('-> ')) symlinkSync(what.slice(3), at);
    else if (what === 'dir/') mkdirSync(at, { recursive: true });
    else writeFileSync(at, what);
  }
  return { top, root };
}

const SYSTEMD_DEBIAN: Tree = {
  'lib/systemd/systemd': '',
  'sbin/init': '-> /lib/systemd/systemd',
  'usr/sbin/sshd': '',
  'usr/bin/ssh-keygen': '',
  'bin/ip': '',
  'bin/sh': '-> dash',
  'bin/dash': '',
};

/** Merged /usr: /lib, /bin and /sbin are symlinks into /usr (Debian 12, Ubuntu, Fedora). */
const SYSTEMD_MERGED: Tree = {
  lib: '-> usr/lib',
  bin: '-> usr/bin',
  sbin: '-> usr/sbin',
  'usr/lib/systemd/systemd': '',
  'usr/sbin/init': '-> ../lib/systemd/systemd',
  'usr/sbin/sshd': '',
  'usr/bin/ssh-keygen': '',
  'usr/sbin/ip': '',
  'usr/bin/sh': '-> dash',
  'usr/bin/dash': '',
};

describe('classifyGuest', () => {
  it.each<[string, Tree, GuestClass]>([
    ['an image banger built (its /etc/banger/profile)', { 'etc/banger/profile': 'debian\n' }, { kind: 'banger' }],
    ['a banger image even without systemd (minimal: busybox init)', { 'etc/banger/profile': 'minimal\n', 'sbin/init': '-> /bin/busybox', 'bin/busybox': '' }, { kind: 'banger' }],
    ['systemd before merged-usr, /sbin/init an absolute symlink to it', SYSTEMD_DEBIAN, { kind: 'systemd', init: '/lib/systemd/systemd', missing: [] }],
    ['systemd with merged-usr: /lib -> usr/lib, /sbin/init -> ../lib/systemd/systemd', SYSTEMD_MERGED, { kind: 'systemd', init: '/lib/systemd/systemd', missing: [] }],
    [
      'systemd only under /usr/lib (no /lib symlink)',
      { ...SYSTEMD_MERGED, lib: 'dir/' },
      { kind: 'systemd', init: '/usr/lib/systemd/systemd', missing: [] },
    ],
    [
      'systemd without sshd',
      { ...SYSTEMD_DEBIAN, 'usr/sbin/sshd': 'dir/' },
      { kind: 'systemd', init: '/lib/systemd/systemd', missing: ['sshd (/usr/sbin/sshd, package openssh-server)'] },
    ],
    [
      'systemd without ssh-keygen (openssh-server without its client)',
      { ...SYSTEMD_MERGED, 'usr/bin/ssh-keygen': 'dir/' },
      { kind: 'systemd', init: '/lib/systemd/systemd', missing: ['ssh-keygen (/usr/bin/ssh-keygen, package openssh-client)'] },
    ],
    [
      'systemd without ip, and /bin/sh a dangling symlink',
      { ...SYSTEMD_DEBIAN, 'bin/ip': 'dir/', 'bin/dash': 'dir/' },
      { kind: 'systemd', init: '/lib/systemd/systemd', missing: ['ip (package iproute2)', 'a shell at /bin/sh'] },
    ],
    ['nothing at all', {}, { kind: 'none', sbinInit: undefined }],
    ['busybox init (alpine)', { 'sbin/init': '-> /bin/busybox', 'bin/busybox': '', 'usr/sbin/sshd': '' }, { kind: 'none', sbinInit: '/bin/busybox' }],
    ['a symlink loop', { 'lib/systemd/systemd': '-> /lib/systemd/systemd', 'sbin/init': '-> init2', 'sbin/init2': '-> init' }, { kind: 'none', sbinInit: undefined }],
  ])('%s', async (_what, spec, want) => {
    expect(await classifyGuest(tree(spec).root)).toEqual(want);
  });

  it('never follows a symlink out of the root: /sbin/init -> /../../etc/passwd is the image\'s passwd, not the host\'s', async () => {
    // Everything banger looks for exists right next to the root, reachable only by climbing out of it.
    const { top, root } = tree({ 'sbin/init': '-> /../../etc/passwd', lib: '-> ../outside/lib', 'etc/banger': '-> ../../outside/etc/banger' });
    // An absolute host path: in the guest it names /tmp/…/outside/usr inside the image, which is not there.
    symlinkSync(join(top, 'outside', 'usr'), join(root, 'usr'));
    for (const f of ['lib/systemd/systemd', 'usr/lib/systemd/systemd', 'usr/sbin/sshd', 'usr/sbin/ip', 'etc/banger/profile']) {
      mkdirSync(dirname(join(top, 'outside', f)), { recursive: true });
      writeFileSync(join(top, 'outside', f), '');
    }
    expect(await classifyGuest(root)).toEqual({ kind: 'none', sbinInit: undefined });
    // Confined, the same link finds the image's own /etc/passwd.
    writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
    expect(await classifyGuest(root)).toEqual({ kind: 'none', sbinInit: '/etc/passwd' });
  });
});

describe('requireBootable', () => {
  it('refuses an image with no init banger can start, saying what was looked for and how to make one', () => {
    expect(() => requireBootable({ kind: 'none', sbinInit: '/bin/busybox' })).toThrow(
      expect.objectContaining({
        code: 'image.not_bootable',
        message: expect.stringMatching(/no systemd at \/lib\/systemd\/systemd or \/usr\/lib\/systemd\/systemd \(\/sbin\/init is \/bin\/busybox, not systemd\)/),
        hint: expect.stringMatching(/systemd-sysv openssh-server iproute2.*banger image build --profile dev/),
      }),
    );
  });

  it('refuses a systemd image that lacks sshd or ip, naming each and the packages', () => {
    expect(() => requireBootable({ kind: 'systemd', init: '/lib/systemd/systemd', missing: ['sshd (/usr/sbin/sshd, package openssh-server)', 'ip (package iproute2)'] })).toThrow(
      expect.objectContaining({
        code: 'image.guest_incomplete',
        message: 'image has systemd but not what banger needs to reach it: sshd (/usr/sbin/sshd, package openssh-server), ip (package iproute2)',
        hint: expect.stringMatching(/apt-get install -y openssh-server iproute2.*--profile dev/),
      }),
    );
  });

  it('passes a banger image and a complete systemd one', () => {
    expect(requireBootable({ kind: 'banger' })).toEqual({ kind: 'banger' });
    expect(requireBootable({ kind: 'systemd', init: '/lib/systemd/systemd', missing: [] })).toMatchObject({ kind: 'systemd' });
  });
});

describe('withInit', () => {
  it.each([
    ['root=/dev/vda rw init=/sbin/init', 'root=/dev/vda rw init=/lib/systemd/systemd'],
    ['root=/dev/vda rw', 'root=/dev/vda rw init=/lib/systemd/systemd'],
    ['root=/dev/vda  rw -- single', 'root=/dev/vda rw init=/lib/systemd/systemd -- single'],
    ['', 'init=/lib/systemd/systemd'],
  ])('%j becomes %j', (args, want) => {
    expect(withInit(args, '/lib/systemd/systemd')).toBe(want);
  });
});
