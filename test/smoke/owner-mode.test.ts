/**
 * Owner mode end to end (issue 13): bangerd runs as an ordinary user, with
 * none of root's powers, and every privileged step goes through the root
 * helper that `banger system install --owner USER` sets up. On this host
 * /dev/net/tun is root-only, so the helper's grant is what lets the user's
 * QEMU open its tap. CI runs this file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { OwnerRig, tunFingerprint } from './owner-rig.js';
import { jsonData } from '../helpers/cli-json.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables', 'git', 'setpriv', 'setfacl', 'getfacl', 'fakeroot'));

/** The uid a process runs as. */
const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

describe.skipIf(skipReason(missing))('owner mode: an ordinary user runs VMs through the root helper', () => {
  let rig: OwnerRig;
  let disposed = false;

  beforeAll(async () => {
    rig = new OwnerRig();
    const installed = await rig.install();
    expect(installed.code, installed.stderr).toBe(0);
    rig.seedKernelCache();
    await rig.startHelper();
    const built = await rig.buildDefaultImage();
    expect(built.code, `${built.stderr}\n${rig.daemonLog()}`).toBe(0);
  }, 900_000);

  afterAll(async () => {
    if (!disposed) await rig?.dispose();
  }, 300_000);

  it('system install wrote units that run bangerd as the user and the helper with the user as owner', () => {
    expect(rig.units.daemonUser).toBe(rig.user.name);
    const argv = rig.units.helperExecStart;
    expect(argv[argv.indexOf('--owner-uid') + 1]).toBe(String(rig.user.uid));
    expect(argv[argv.indexOf('--socket') + 1]).toBe(rig.helperSocket);
    // The helper gave the user the tun device (root-only here) and said so.
    expect(rig.helperLog()).toMatch(/"tun":"(granted|open)"/);
  });

  it('vm run --rm -- uname -a works from the user\'s own PATH (no /usr/sbin), with no root anywhere but the helper', async () => {
    const res = await rig.cli(['vm', 'run', '--rm', '--', 'uname', '-a'], { timeoutMs: 300_000 });
    expect(res.code, `${res.stderr}\n${rig.daemonLog().slice(-3000)}`).toBe(0);
    expect(res.stdout).toMatch(/^Linux \S+ /);
    expect(rig.vmmProcesses()).toEqual([]);
  }, 300_000);

  it('vm run copies a workspace from the user\'s home', async () => {
    const repo = join(rig.user.home, 'proj');
    rig.asUser('mkdir', [repo]);
    rig.asUser('git', ['init', '-q', '-b', 'main'], repo);
    rig.asUser('sh', ['-c', 'echo from-owner > hello.txt'], repo);
    rig.asUser('git', ['-c', 'user.name=o', '-c', 'user.email=o@o', 'add', '.'], repo);
    rig.asUser('git', ['-c', 'user.name=o', '-c', 'user.email=o@o', 'commit', '-qm', 'first'], repo);
    const res = await rig.cli(['vm', 'run', '--rm', repo, '--', 'sh', '-c', 'pwd; cat hello.txt'], { timeoutMs: 300_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('/root/proj\nfrom-owner\n');
  }, 300_000);

  it('vm create + vm ssh: QEMU runs as the user, the guest\'s files are root\'s', async () => {
    const created = await rig.cli(['vm', 'create', '--name', 'own-dev', '--json'], { timeoutMs: 300_000 });
    expect(created.code, created.stderr).toBe(0);
    expect(jsonData(created.stdout)).toMatchObject({ name: 'own-dev', state: 'running' });
    const vmms = rig.vmmProcesses();
    expect(vmms).toHaveLength(1);
    expect(vmms.map(uidOf)).toEqual([rig.user.uid]);
    const ssh = await rig.cli(['vm', 'ssh', 'own-dev', '--', 'sh', '-c', 'id -u; stat -c "%u:%g" /etc/passwd /root/.ssh/authorized_keys'], { timeoutMs: 120_000 });
    expect(ssh.code, ssh.stderr).toBe(0);
    expect(ssh.stdout).toBe('0\n0:0\n0:0\n');
    // Snapshots as the user: the earlier vm run left the image warm, so own-dev started from it; a fork of it runs as the user too.
    expect(jsonData(created.stdout)).toMatchObject({ runtime: { startPath: 'warm' } });
    const fork = await rig.cli(['vm', 'fork', 'own-dev', '--name', 'own-fork'], { timeoutMs: 300_000 });
    expect(fork.code, fork.stderr).toBe(0);
    expect((await rig.cli(['vm', 'ssh', 'own-fork', '--', 'hostname'], { timeoutMs: 120_000 })).stdout.trim()).toBe('own-fork');
    expect(rig.vmmProcesses().map(uidOf)).toEqual([rig.user.uid, rig.user.uid]);
    expect((await rig.cli(['vm', 'delete', '--force', 'own-fork'], { timeoutMs: 120_000 })).code).toBe(0);
    const del = await rig.cli(['vm', 'delete', 'own-dev'], { timeoutMs: 120_000 });
    expect(del.code, del.stderr).toBe(0);
    expect(rig.vmmProcesses()).toEqual([]);
  }, 400_000);

  it('afterwards nothing of the run is left: no process of the user, the tun device as it was', async () => {
    const stop = await rig.cli(['daemon', 'stop'], { timeoutMs: 60_000 });
    expect(stop.code, stop.stderr).toBe(0);
    // Taps go with their VMs and the pool with the daemon; only the bridge (like docker0) stays, inside the namespace.
    expect(rig.netns.exec('ip', ['-o', 'link', 'show'])).not.toMatch(/bgtap/);
    const { stragglers } = await rig.dispose();
    disposed = true;
    expect(stragglers).toEqual([]);
    expect(tunFingerprint()).toBe(rig.tunBefore);
  }, 300_000);
});

describe.skipIf(skipReason(missing))('owner mode on a host where /dev/net/tun is 0666', () => {
  let rig: OwnerRig;

  beforeAll(async () => {
    rig = new OwnerRig({ openTun: true });
    expect((await rig.install()).code).toBe(0);
    rig.seedKernelCache();
    await rig.startHelper();
    const built = await rig.buildDefaultImage();
    expect(built.code, built.stderr).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await rig?.dispose();
  }, 300_000);

  it('the helper leaves the open node alone and the user\'s VM runs', async () => {
    const before = rig.tunSeen();
    expect(before.split('\n')[0]).toBe('666');
    expect(rig.helperLog()).toContain('"tun":"open"');
    const res = await rig.cli(['vm', 'run', '--rm', '--', 'uname', '-a'], { timeoutMs: 300_000 });
    expect(res.code, `${res.stderr}\n${rig.daemonLog().slice(-2000)}`).toBe(0);
    expect(res.stdout).toMatch(/^Linux /);
    expect(rig.tunSeen()).toBe(before);
  }, 300_000);
});
