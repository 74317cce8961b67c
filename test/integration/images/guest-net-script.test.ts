/**
 * The debian profile's network script (src/images/debian/assets/banger-net.sh)
 * run for real, in throwaway mount, network and UTS namespaces: a tmpfs over
 * /etc and a file bound over /proc/cmdline stand in for the guest, so the
 * host's own /etc is never written. (The minimal profile's rc.sysinit is
 * covered by the real-VM test, guest-dns.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/rig.js';
import { firstMissing, missingBinaries, missingRoot, skipReason } from '../../helpers/vmm-capabilities.js';

const SCRIPT = join(REPO_ROOT, 'src/images/debian/assets/banger-net.sh');
const missing = firstMissing(missingRoot(), missingBinaries('unshare', 'mount', 'ip'));

describe.skipIf(skipReason(missing))('debian guest network script', () => {
  let dir: string;
  const hostResolv = readFileSync('/etc/resolv.conf', 'utf8');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bg-netsh-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    expect(readFileSync('/etc/resolv.conf', 'utf8')).toBe(hostResolv);
  });

  /** Runs the script with `cmdline` as /proc/cmdline and `setup` (sh) run first in the fake /etc; returns /etc/resolv.conf as the script left it. */
  const run = (cmdline: string, setup: string): string => {
    writeFileSync(join(dir, 'cmdline'), `${cmdline}\n`);
    return execFileSync(
      'unshare',
      ['-mnu', 'sh', '-c', `mount -t tmpfs none /etc && mount --bind "$1/cmdline" /proc/cmdline && cd /etc && ${setup} && sh "$2" >/dev/null 2>&1; readlink /etc/resolv.conf || true; cat /etc/resolv.conf`, 'sh', dir, SCRIPT],
      { encoding: 'utf8', timeout: 20_000 },
    );
  };

  it("writes the 8th ip= field as the guest's only nameserver, replacing a symlinked resolv.conf", () => {
    const out = run('quiet ip=172.16.0.5::172.16.0.1:255.255.255.0:dev:eth0:off:172.16.0.1 root=/dev/vda rw', 'ln -s /run/systemd/resolve/stub-resolv.conf resolv.conf');
    expect(out).toBe('nameserver 172.16.0.1\n');
  });

  it('leaves resolv.conf alone when the command line names no DNS server (an older bangerd)', () => {
    const out = run('quiet ip=172.16.0.5::172.16.0.1:255.255.255.0:dev:eth0:off root=/dev/vda rw', 'echo "nameserver 192.0.2.1" > resolv.conf');
    expect(out).toBe('nameserver 192.0.2.1\n');
  });
});
