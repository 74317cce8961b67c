/**
 * Two banger instances on one host with real VMs (issue 13): A keeps a VM
 * running while B, another bangerd on the same kernel network, is refused on
 * A's network, then runs and fails VMs on a network of its own and stops. A's
 * VM must still answer SSH on the tap it had, and nothing of A's may change.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitGone } from '../helpers/index.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { SmokeRig } from './smoke-rig.js';
import { jsonData } from '../helpers/cli-json.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables'));

describe.skipIf(skipReason(missing))('two instances on one host with real VMs', () => {
  let a: SmokeRig;
  let b: SmokeRig;

  /** Links as `name alias master`, rules, and A's files: what B must never change. */
  const snapshotA = () => {
    const links = (JSON.parse(a.netns.exec('ip', ['-j', '-d', 'link', 'show'])) as Array<{ ifname: string; ifalias?: string; master?: string }>)
      .filter((l) => !l.ifname.startsWith('bgb') && l.ifname !== 'br-bangerb')
      .map((l) => `${l.ifname} ${l.ifalias ?? '-'} ${l.master ?? '-'}`)
      .sort();
    const rules = a.natRules();
    const files = execFileSync('find', [a.layout.stateDir, '-type', 'f', '!', '-name', '*.log', '!', '-name', 'banger.db*', '-printf', '%P %s %T@\n'], { encoding: 'utf8' })
      .split('\n')
      // The running guest writes its own disks: their names must stay, their sizes and times may not.
      .map((l) => (/^vms\/[^/]+\/(system\.qcow2|work\.ext4) /.test(l) ? l.split(' ')[0]! : l))
      .sort();
    return { links, rules, files };
  };

  beforeAll(async () => {
    a = new SmokeRig({ tempPrefix: 'bgia-', netnsTag: 'inst' });
    b = new SmokeRig({ tempPrefix: 'bgib-', netns: a.netns, dnsListen: '127.0.0.1:5354' });
    for (const rig of [a, b]) {
      const built = await rig.buildDefaultImage();
      expect(built.code, built.stderr).toBe(0);
    }
  }, 900_000);

  afterAll(async () => {
    await b?.cleanup();
    await a?.cleanup();
  }, 300_000);

  it('A runs a VM; B on the same network is refused in one line naming A; B on its own network runs and fails VMs; A is untouched', async () => {
    const created = await a.cli(['vm', 'create', '--name', 'a-keep', '--json'], { timeoutMs: 300_000 });
    expect(created.code, a.why(created)).toBe(0);
    const keep = jsonData(created.stdout) as { runtime: { tapDevice: string } };
    // Let A's tap pool refill before taking the snapshot.
    await new Promise((r) => setTimeout(r, 2000));
    const before = snapshotA();
    const status = jsonData((await a.cli(['daemon', 'status', '--json'])).stdout) as { instance: string };

    const refused = await b.cli(['vm', 'run', '--rm', '--', 'true'], { timeoutMs: 120_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`banger: bridge br-banger is in use by banger instance ${status.instance} (uid 0)`);
    expect(refused.stderr).toContain('bridge_name, tap_prefix and bridge_cidr');
    expect(snapshotA()).toEqual(before);

    await b.cli(['daemon', 'stop']);
    b.setConfig(['dns_listen = "127.0.0.1:5354"', 'bridge_name = "br-bangerb"', 'tap_prefix = "bgb"', 'bridge_cidr = "172.16.9.1/24"']);
    const ran = await b.cli(['vm', 'run', '--rm', '--', 'echo', 'from-b'], { timeoutMs: 300_000 });
    expect(ran, b.why(ran)).toMatchObject({ code: 0, stdout: 'from-b\n' });
    // A VM that fails on purpose: its QEMU killed from outside, then deleted.
    const doomed = await b.cli(['vm', 'create', '--name', 'b-doomed', '--nat', '--json'], { timeoutMs: 300_000 });
    expect(doomed.code, b.why(doomed)).toBe(0);
    const pid = (jsonData(doomed.stdout) as { runtime: { vmmPid: number } }).runtime.vmmPid;
    process.kill(pid, 'SIGKILL');
    await waitGone(pid, 10_000);
    const deadline = Date.now() + 20_000;
    let state = '';
    while (Date.now() < deadline && state !== 'error') {
      state = (jsonData((await b.cli(['vm', 'show', 'b-doomed', '--json'])).stdout) as { state: string }).state;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(state).toBe('error');
    expect((await b.cli(['vm', 'delete', 'b-doomed'], { timeoutMs: 120_000 })).code).toBe(0);
    expect((await b.cli(['daemon', 'stop'])).code).toBe(0);

    expect(snapshotA()).toEqual(before);
    const ssh = await a.cli(['vm', 'ssh', 'a-keep', '--', 'cat', '/proc/sys/kernel/hostname'], { timeoutMs: 120_000 });
    expect(ssh, ssh.stderr).toMatchObject({ code: 0, stdout: 'a-keep\n' });
    const shown = jsonData((await a.cli(['vm', 'show', 'a-keep', '--json'])).stdout) as { state: string; runtime: { tapDevice: string } };
    expect(shown).toMatchObject({ state: 'running', runtime: { tapDevice: keep.runtime.tapDevice } });
  }, 900_000);
});
