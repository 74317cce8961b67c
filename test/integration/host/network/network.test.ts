import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildNatRules,
  createTap,
  deleteTap,
  ensureBridge,
  getIpForward,
  listBangerRules,
  listLinks,
  natDown,
  natUp,
  readRules,
  setIpForward,
} from '../../../../src/host/network/index.js';
import { gated, requiresNetns } from '../../../helpers/host-caps.js';
import { createTestNetns, type TestNetns } from '../../../helpers/netns.js';

const missing = requiresNetns();
const BRIDGE = 'br-banger';
const ADDRESS = '172.16.0.1/24';
const TAG = 'banger:0123456789ab';
const owner = { ownerUid: 54321, ownerGid: 54322, tag: TAG };
const mine = { tag: TAG, ownerUid: 54321 };

describe.skipIf(missing !== null)(gated('host network inside a test netns', missing), () => {
  let ns: TestNetns;
  let guest: TestNetns | undefined;

  beforeAll(() => {
    ns = createTestNetns('test');
  });
  afterAll(() => {
    guest?.delete();
    ns?.delete();
  });

  it('creates a bridge and 3 taps, then deletes them all', { timeout: 30_000 }, async () => {
    expect(await ensureBridge(ns.runner, { name: BRIDGE, address: ADDRESS, tag: TAG })).toEqual({ created: true });
    expect(await ensureBridge(ns.runner, { name: BRIDGE, address: ADDRESS, tag: TAG })).toEqual({ created: false });
    for (const n of [0, 1, 2]) expect(await createTap(ns.runner, { name: `bgtap${n}`, bridge: BRIDGE, ...owner })).toEqual({ created: true });
    // Repeating a create is harmless (idempotent ops let the daemon retry).
    expect(await createTap(ns.runner, { name: 'bgtap1', bridge: BRIDGE, ...owner })).toEqual({ created: false });

    const links = await listLinks(ns.runner, ['br-', 'bgtap']);
    expect(links.map((l) => l.name).sort()).toEqual(['bgtap0', 'bgtap1', 'bgtap2', BRIDGE]);
    for (const tap of links.filter((l) => l.name.startsWith('bgtap'))) {
      expect(tap).toMatchObject({ kind: 'tun', master: BRIDGE, up: true });
    }
    expect(ns.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', BRIDGE])).toContain('inet 172.16.0.1/24');
    // The tap belongs to the owner so an unprivileged VMM can open it.
    expect(ns.exec('ip', ['-d', 'link', 'show', 'dev', 'bgtap0'])).toMatch(/tun type tap .*user 54321 group 54322/s);

    for (const n of [0, 1, 2]) expect(await deleteTap(ns.runner, `bgtap${n}`, mine)).toEqual({ deleted: true });
    expect(await deleteTap(ns.runner, 'bgtap0', mine)).toEqual({ deleted: false });
    // Nothing in banger deletes the bridge (other instances may share it); the test cleans up by hand.
    ns.exec('ip', ['link', 'del', 'dev', BRIDGE]);
    expect(await listLinks(ns.runner, ['br-', 'bgtap'])).toEqual([]);
  });

  it('a bridge another instance tags and uses is refused; a leftover one (nothing attached) is taken over', { timeout: 30_000 }, async () => {
    const OTHER = 'banger:ffffffffffff';
    await ensureBridge(ns.runner, { name: 'br-claim', address: '172.17.9.1/24', tag: OTHER });
    await createTap(ns.runner, { name: 'bgclm0', bridge: 'br-claim', ...owner, tag: OTHER });
    await expect(ensureBridge(ns.runner, { name: 'br-claim', address: '172.17.9.1/24', tag: TAG })).rejects.toMatchObject({
      code: 'bridge.claimed',
      message: 'bridge br-claim is in use by banger instance ffffffffffff (attached: bgclm0)',
    });
    expect(ns.exec('cat', ['/sys/class/net/br-claim/ifalias']).trim()).toBe(OTHER);
    await deleteTap(ns.runner, 'bgclm0', { tag: OTHER });
    expect(await ensureBridge(ns.runner, { name: 'br-claim', address: '172.17.9.1/24', tag: TAG })).toEqual({ created: false });
    expect(ns.exec('cat', ['/sys/class/net/br-claim/ifalias']).trim()).toBe(TAG);
    ns.exec('ip', ['link', 'del', 'dev', 'br-claim']);
  });

  it('NAT: up twice leaves each rule exactly once; down removes exactly those', { timeout: 30_000 }, async () => {
    const a = { guestIP: '172.16.0.2', tap: 'bgtap0', bridge: BRIDGE };
    const b = { guestIP: '172.16.0.3', tap: 'bgtap1', bridge: BRIDGE };
    // A foreign rule that must survive everything.
    ns.exec('iptables', ['-t', 'filter', '-A', 'FORWARD', '-s', '10.9.9.9/32', '-j', 'ACCEPT']);

    expect(await natUp(ns.runner, a)).toEqual({ added: 3 });
    expect(await natUp(ns.runner, a)).toEqual({ added: 0 });
    expect(await natUp(ns.runner, b)).toEqual({ added: 3 });

    const save = ns.exec('iptables-save', []);
    const linesFor = (ip: string) => save.split('\n').filter((l) => l.includes(`banger:${ip}`));
    expect(linesFor('172.16.0.2')).toHaveLength(3);
    expect(save).toMatch(/-A POSTROUTING -s 172\.16\.0\.2\/32 ! -o br-banger .*-j MASQUERADE/);
    // Each built rule is present exactly once, read back through our own parser too.
    const rules = await listBangerRules(ns.runner);
    for (const rule of buildNatRules(a)) {
      expect(rules.filter((r) => r.chain === rule.chain && r.comment === 'banger:172.16.0.2' && r.table === rule.table).length).toBeGreaterThanOrEqual(1);
    }
    expect(rules.filter((r) => r.comment === 'banger:172.16.0.2')).toHaveLength(3);

    expect(await natDown(ns.runner, a)).toEqual({ removed: 3 });
    expect(await natDown(ns.runner, a)).toEqual({ removed: 0 });
    const after = await listBangerRules(ns.runner);
    expect(after.filter((r) => r.comment === 'banger:172.16.0.2')).toEqual([]);
    expect(after.filter((r) => r.comment === 'banger:172.16.0.3')).toHaveLength(3);
    expect((await readRules(ns.runner, 'filter')).some((r) => r.args.includes('10.9.9.9/32'))).toBe(true);

    expect(await natDown(ns.runner, b)).toEqual({ removed: 3 });
    expect(await listBangerRules(ns.runner)).toEqual([]);
  });

  it('a guest-side veth in a second namespace reaches the bridge IP', { timeout: 30_000 }, async () => {
    guest = createTestNetns('guest');
    await ensureBridge(ns.runner, { name: BRIDGE, address: ADDRESS, tag: TAG });
    expect((await setIpForward(ns.runner, true)).previous).toBe(false);
    expect(await getIpForward(ns.runner)).toBe(true);
    // Host end stays in the test netns on the bridge; guest end moves to the guest netns.
    ns.exec('ip', ['link', 'add', 'bgveth-h', 'type', 'veth', 'peer', 'name', 'bgveth-g', 'netns', guest.name]);
    ns.exec('ip', ['link', 'set', 'dev', 'bgveth-h', 'master', BRIDGE]);
    ns.exec('ip', ['link', 'set', 'dev', 'bgveth-h', 'up']);
    guest.exec('ip', ['addr', 'add', '172.16.0.2/24', 'dev', 'bgveth-g']);
    guest.exec('ip', ['link', 'set', 'dev', 'bgveth-g', 'up']);

    const out = guest.exec('busybox', ['ping', '-c', '3', '-W', '2', '172.16.0.1']);
    expect(out).toMatch(/3 packets transmitted, [1-3] packets received/);

    ns.exec('ip', ['link', 'del', 'dev', BRIDGE]);
  });
});
