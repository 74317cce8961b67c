import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandRunner } from '../../../../src/host/exec/index.js';
import { createTapBatcher, ensureBridge, listLinks } from '../../../../src/host/network/index.js';
import { gated, requiresNetns } from '../../../helpers/host-caps.js';
import { createTestNetns, type TestNetns } from '../../../helpers/netns.js';

const missing = requiresNetns();
const BRIDGE = 'br-banger';
const TAG = 'banger:0123456789ab';
const owner = { ownerUid: 54321, ownerGid: 54322, tag: TAG };
const mine = { tag: TAG, ownerUid: 54321 };

/** Counts `ip` processes, so the test shows what batching saves, not only that it works. */
function counting(base: CommandRunner): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: (cmd, args, opts) => {
      calls.push([cmd, ...args]);
      return base.run(cmd, args, opts);
    },
  };
}

describe.skipIf(missing !== null)(gated('tap batcher against real ip in a test netns', missing), () => {
  let ns: TestNetns;

  beforeAll(async () => {
    ns = createTestNetns('tapb');
    await ensureBridge(ns.runner, { name: BRIDGE, address: '172.16.0.1/24', tag: TAG });
  });
  afterAll(() => ns?.delete());

  it('creates 40 concurrent taps in 2 ip runs, attached, up and owned; deletes them in 3 more', { timeout: 30_000 }, async () => {
    const runner = counting(ns.runner);
    const taps = createTapBatcher(runner);
    const names = Array.from({ length: 40 }, (_, i) => `bbt${i}`);
    const created = await Promise.all(names.map((name) => taps.create({ name, bridge: BRIDGE, ...owner })));
    expect(created.every((r) => r.created)).toBe(true);
    expect(runner.calls).toHaveLength(2);
    const links = await listLinks(ns.runner, ['bbt']);
    expect(links).toHaveLength(40);
    for (const l of links) expect(l).toMatchObject({ kind: 'tun', master: BRIDGE, up: true });
    expect(ns.exec('ip', ['-d', 'link', 'show', 'dev', 'bbt7'])).toMatch(/tun type tap .*user 54321 group 54322/s);

    runner.calls.length = 0;
    const deleted = await Promise.all(names.map((name) => taps.delete(name, mine)));
    expect(deleted.every((r) => r.deleted)).toBe(true);
    expect(runner.calls).toHaveLength(3); // list the links (whose taps are they?), pick a free link group, then one batch
    expect(await listLinks(ns.runner, ['bbt'])).toEqual([]);
  });

  it('a batch with an existing tap, a non-tap and a missing name answers each like the single path', { timeout: 30_000 }, async () => {
    const taps = createTapBatcher(ns.runner);
    await taps.create({ name: 'bbx0', bridge: BRIDGE, ...owner });
    ns.exec('ip', ['link', 'add', 'bbx9', 'type', 'bridge']);
    const [again, fresh, notTap] = await Promise.allSettled([
      taps.create({ name: 'bbx0', bridge: BRIDGE, ...owner }),
      taps.create({ name: 'bbx1', bridge: BRIDGE, ...owner }),
      taps.create({ name: 'bbx9', bridge: BRIDGE, ...owner }),
    ]);
    expect(again).toEqual({ status: 'fulfilled', value: { created: false } });
    expect(fresh).toEqual({ status: 'fulfilled', value: { created: true } });
    expect(notTap.status).toBe('rejected');
    expect(String((notTap as PromiseRejectedResult).reason)).toMatch(/exists but is not a tap/);
    // The bridge was not touched: not enslaved to the bridge.
    expect((await listLinks(ns.runner, ['bbx9']))[0]?.master).toBeUndefined();

    const del = await Promise.all(['bbx0', 'bbx1', 'bbx-missing'].map((n) => taps.delete(n, mine)));
    expect(del).toEqual([{ deleted: true }, { deleted: true }, { deleted: false }]);
    // Only the named taps went: the bridge is still there.
    expect((await listLinks(ns.runner, ['bbx'])).map((l) => l.name)).toEqual(['bbx9']);
    ns.exec('ip', ['link', 'del', 'bbx9']);
  });
});
