/**
 * Two banger instances on one host (issue 13), and VMs whose tap or VMM
 * vanishes from under them. Both daemons are real bangerd processes with
 * stand-in VMs (real child processes, real taps) in one shared namespace, so
 * they contend for the same bridge, tap names and addresses as two users'
 * daemons on one machine would.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VMRecord } from '../../../src/model/index.js';
import { buildDist } from '../../helpers/build.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { createTestNetns, type TestNetns } from '../../helpers/netns.js';

const missing = requiresNetns();

/** Links of the namespace as `name alias master`, sorted. */
function linkTable(ns: TestNetns): string[] {
  const links = JSON.parse(ns.exec('ip', ['-j', '-d', 'link', 'show'])) as Array<{ ifname: string; ifalias?: string; master?: string }>;
  return links.map((l) => `${l.ifname} ${l.ifalias ?? '-'} ${l.master ?? '-'}`).sort();
}

/** The rules themselves (`-A` lines): table headers and counters come and go with any iptables use. */
const rules = (ns: TestNetns) => ns.exec('iptables-save', []).split('\n').filter((l) => l.startsWith('-A'));

/** Waits until the link table stops changing (A's tap pool refills in the background after each create). */
async function settled(ns: TestNetns): Promise<string[]> {
  let last = linkTable(ns);
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = linkTable(ns);
    if (JSON.stringify(now) === JSON.stringify(last) && !now.some((l) => / - -$/.test(l) && !l.startsWith('lo '))) return now;
    last = now;
  }
  return last;
}

/** Files under a dir with their sizes and mtimes: a change to any of A's files shows. */
function fileTable(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      // The daemon log grows while A runs; everything else must stand still.
      else if (!p.endsWith('.log') && !p.includes('banger.db')) {
        const st = statSync(p);
        out.push(`${relative(dir, p)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

describe.skipIf(missing !== null)(gated('two bangerd instances on one host', missing), () => {
  let ns: TestNetns;
  let a: NetnsDaemon;
  const others: NetnsDaemon[] = [];
  const shared = { bridge: 'br-inst', tapPrefix: 'bgi', cidr: '10.214.0.1/24', dnsPort: 5353 };

  beforeAll(async () => {
    buildDist();
    ns = createTestNetns('inst');
    a = new NetnsDaemon({ netns: ns, network: shared });
    await a.start();
  }, 180_000);

  afterAll(async () => {
    for (const d of [...others, a]) {
      if (!d) continue;
      await d.stop().catch(() => undefined);
      await d.cleanup();
    }
    ns?.delete();
  }, 120_000);

  it('B on the network A holds refuses in one line naming A and the keys to change, and touches nothing', async () => {
    const ca = await a.client();
    const vm = await ca.call('vm.create', { name: 'a-keep' });
    expect(vm.state).toBe('running');
    const before = { links: await settled(ns), rules: rules(ns), files: fileTable(a.layout.stateDir) };

    const b = new NetnsDaemon({ netns: ns, network: { ...shared, dnsPort: 5354 } });
    others.push(b);
    await b.start();
    const res = await b.cli(['vm', 'create', '--name', 'b-one']);
    expect(res.code).toBe(1);
    const [line, hint] = res.stderr.trim().split('\n');
    expect(line).toMatch(/^banger: bridge br-inst is in use by banger instance [0-9a-f]{12} \(uid 0\)/);
    expect(hint).toContain('bridge_name, tap_prefix and bridge_cidr');
    expect(hint).toContain(b.layout.configFile);
    await b.stop();

    expect({ links: await settled(ns), rules: rules(ns), files: fileTable(a.layout.stateDir) }).toEqual(before);
  });

  it('B with a network of its own runs and fails VMs beside A, then stops; A keeps its VM, tap, rules and files', async () => {
    const ca = await a.client();
    const keep = await ca.call('vm.show', { name: 'a-keep' });
    const before = { links: (await settled(ns)).filter((l) => !l.startsWith('bgj') && !l.startsWith('br-inj')), rules: rules(ns), files: fileTable(a.layout.stateDir) };
    const own = { bridge: 'br-inj', tapPrefix: 'bgj', cidr: '10.215.0.1/24', dnsPort: 5355 };

    // First B fails every VM at launch (after its tap was handed out), so its rollbacks delete taps.
    const failing = new NetnsDaemon({ netns: ns, network: own, extraConfig: '[standin]\nfail_at = "launch"\n' });
    others.push(failing);
    await failing.start();
    const cf = await failing.client();
    for (const name of ['b-bad1', 'b-bad2']) await expect(cf.call('vm.create', { name })).rejects.toThrow(/fail_at/);
    await failing.stop();

    // Then B runs VMs (NAT too) and deletes them.
    const b = new NetnsDaemon({ netns: ns, network: own });
    others.push(b);
    await b.start();
    const cb = await b.client();
    const bvms = await Promise.all(['b-1', 'b-2', 'b-3'].map((name, i) => cb.call('vm.create', { name, nat: i === 0 })));
    for (const v of bvms) {
      expect(v.state).toBe('running');
      expect(v.runtime.tapDevice).toMatch(/^bgj/);
    }
    for (const v of bvms) await cb.call('vm.delete', { name: v.name, force: true });
    await b.stop();

    const after = { links: (await settled(ns)).filter((l) => !l.startsWith('bgj') && !l.startsWith('br-inj')), rules: rules(ns), files: fileTable(a.layout.stateDir) };
    expect(after.links).toEqual(before.links);
    expect(after.rules).toEqual(before.rules);
    expect(after.files).toEqual(before.files);
    const still = await ca.call('vm.show', { name: 'a-keep' });
    expect(still.state).toBe('running');
    expect(still.runtime.tapDevice).toBe(keep.runtime.tapDevice);
    // A's tap still carries A's tag (the one on A's bridge) and hangs off A's bridge.
    const aTag = linkTable(ns).find((l) => l.startsWith('br-inst '))!.split(' ')[1];
    expect(linkTable(ns)).toContain(`${keep.runtime.tapDevice} ${aTag} br-inst`);
  });

  it('a VM whose tap is deleted and one whose VMM is killed from outside each reach error with the reason; the third runs on', async () => {
    const ca = await a.client();
    const vms = await Promise.all(['a-tap', 'a-vmm', 'a-ok'].map((name) => ca.call('vm.create', { name })));
    const [byTap, byVmm, ok] = vms as [VMRecord, VMRecord, VMRecord];
    ns.exec('ip', ['link', 'del', 'dev', byTap.runtime.tapDevice!]);
    process.kill(byVmm.runtime.vmmPid!, 'SIGKILL');

    const stateOf = async (name: string) => ca.call('vm.show', { name });
    let tapVm: VMRecord | undefined;
    let vmmVm: VMRecord | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      tapVm = await stateOf('a-tap');
      vmmVm = await stateOf('a-vmm');
      if (tapVm.state === 'error' && vmmVm.state === 'error') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(tapVm).toMatchObject({ state: 'error' });
    expect(tapVm!.runtime.lastError).toMatch(new RegExp(`tap ${byTap.runtime.tapDevice} was deleted outside banger, so the VM lost its network`));
    expect(vmmVm).toMatchObject({ state: 'error' });
    expect(vmmVm!.runtime.lastError).toMatch(new RegExp(`VMM process ${byVmm.runtime.vmmPid} exited unexpectedly`));
    // Its stand-in VMM was stopped with it: nothing runs without a network.
    expect(a.standinPids()).not.toContain(byTap.runtime.vmmPid);

    const fine = await stateOf('a-ok');
    expect(fine.state).toBe('running');
    expect(a.standinPids()).toContain(ok.runtime.vmmPid);
    expect(a.taps()).toContain(ok.runtime.tapDevice);
    expect((await stateOf('a-keep')).state).toBe('running');

    // vm start brings the tap-less one back on a fresh tap.
    const again = await ca.call('vm.start', { name: 'a-tap' });
    expect(again.state).toBe('running');
    expect(a.taps()).toContain(again.runtime.tapDevice);
  });
});
