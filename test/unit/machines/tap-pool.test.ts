/**
 * tap-pool with the real helper-bridge in the same actor system, over the
 * FakeHelper's host model; the backoff runs on xstate's SimulatedClock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, setup, spawnChild, waitFor } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { provideHelperBridge } from '../../../machines/helper-bridge/actors.js';
import { acquireTap, provideTapPool } from '../../../machines/tap-pool/actors.js';
import type { TapPoolContext } from '../../../machines/tap-pool/events.js';
import { FakeHelper } from '../../fakes/index.js';

const PREFIX = 'bgp';

interface PoolRig {
  pool: AnyActorRef;
  helper: FakeHelper;
  clock: SimulatedClock;
  ctx(): TapPoolContext;
  state(): string;
  stop(): void;
}

const running: PoolRig[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    // Fire-and-forget deletions may still be in flight: let them land before stopping the system.
    const bridge = r.pool.system.get('helperBridge') as AnyActorRef;
    await waitFor(bridge, (s) => (s as { context: { inFlight: number } }).context.inFlight === 0, { timeout: 2000 }).catch(() => {});
    r.stop();
  }
});

async function startPool(opts: { size?: number; held?: Record<string, string>; helper?: FakeHelper; existing?: string[] } = {}): Promise<PoolRig> {
  const helper = opts.helper ?? new FakeHelper();
  for (const t of opts.existing ?? []) await helper.call('tap.create', { name: t, bridge: 'br' });
  const host = {
    listTaps: async (prefix: string) => helper.state().taps.filter((t) => t.startsWith(prefix)),
    tapState: async (name: string) => (helper.state().taps.includes(name) ? ('ok' as const) : ('missing' as const)),
    findProcesses: async () => [],
    processMetrics: async () => undefined,
  };
  const root = setup({
    actors: { helperBridge: provideHelperBridge(helper, { attempts: 1, baseDelayMs: 1 }), tapPool: provideTapPool(host) },
  }).createMachine({
    entry: [
      spawnChild('helperBridge', { id: 'helperBridge', systemId: 'helperBridge' }),
      spawnChild('tapPool', { id: 'tapPool', systemId: 'tapPool', input: { bridge: 'br', bridgeAddress: '172.16.0.1/24', prefix: PREFIX, size: opts.size ?? 2 } }),
    ],
  });
  const clock = new SimulatedClock();
  const actor = createActor(root, { clock }).start();
  const pool = actor.system.get('tapPool')!;
  pool.send({ type: 'pool.init', held: opts.held ?? {} });
  const rig: PoolRig = {
    pool,
    helper,
    clock,
    ctx: () => (pool.getSnapshot() as { context: TapPoolContext }).context,
    state: () => JSON.stringify((pool.getSnapshot() as { value: unknown }).value),
    stop: () => actor.stop(),
  };
  running.push(rig);
  return rig;
}

const settled = (r: PoolRig, ready = r.ctx().size) =>
  waitFor(r.pool, (s) => JSON.stringify((s as { value: unknown }).value) === '{"active":"idle"}' && (s as { context: TapPoolContext }).context.ready.length === ready, {
    timeout: 2000,
  });

/** Host taps must be exactly the pool's ready and used ones: nothing lost, nothing invented. */
function expectBooksMatchHost(r: PoolRig): void {
  const c = r.ctx();
  const books = [...c.ready, ...Object.keys(c.used)].sort();
  expect(new Set(books).size).toBe(books.length); // no tap in two places
  expect(r.helper.state().taps.filter((t) => t.startsWith(PREFIX)).sort()).toEqual(books);
}

describe('tap-pool', () => {
  it('keeps N taps ready after init', { timeout: 5000 }, async () => {
    const r = await startPool({ size: 3 });
    await settled(r);
    expect(r.ctx().ready).toEqual(['bgp0', 'bgp1', 'bgp2']);
    expect(r.helper.count('bridge.ensure')).toBe(1);
    expectBooksMatchHost(r);
  });

  it('hands out a ready tap, marks it used and refills', { timeout: 5000 }, async () => {
    const r = await startPool({ size: 2 });
    await settled(r);
    const grant = await acquireTap(r.pool, 'vm-a');
    expect(grant).toEqual({ name: 'bgp0', ready: true });
    await settled(r);
    expect(r.ctx().used).toEqual({ bgp0: 'vm-a' });
    expect(r.ctx().ready).toEqual(['bgp1', 'bgp2']);
    expectBooksMatchHost(r);
  });

  it('takes a tap back into the ready set when there is room, else deletes it', { timeout: 5000 }, async () => {
    const r = await startPool({ size: 1 });
    await settled(r);
    const a = await acquireTap(r.pool, 'vm-a'); // bgp0; refill makes bgp1
    await settled(r);
    const b = await acquireTap(r.pool, 'vm-b'); // bgp1; refill makes bgp2
    await settled(r);
    r.pool.send({ type: 'tap.release', vmId: 'vm-a', name: a.name });
    // Pool already full: the returned tap is deleted from the host.
    await waitFor(r.pool, () => !r.helper.state().taps.includes(a.name), { timeout: 2000 });
    expect(r.ctx().used).toEqual({ [b.name]: 'vm-b' });
    expectBooksMatchHost(r);
  });

  it('ignores a release from a VM that does not own the tap', { timeout: 5000 }, async () => {
    const r = await startPool({ size: 1 });
    await settled(r);
    const a = await acquireTap(r.pool, 'vm-a');
    await settled(r);
    r.pool.send({ type: 'tap.release', vmId: 'vm-b', name: a.name });
    expect(r.ctx().used[a.name]).toBe('vm-a');
    expectBooksMatchHost(r);
  });

  it('never hands the same tap out twice, even while filling and when empty', { timeout: 10_000 }, async () => {
    const helper = new FakeHelper({ delayMs: 5 });
    const r = await startPool({ size: 2, helper });
    await settled(r);
    const grants = await Promise.all(Array.from({ length: 25 }, (_, i) => acquireTap(r.pool, `vm-${i}`)));
    const names = grants.map((g) => g.name);
    expect(new Set(names).size).toBe(names.length);
    // Fresh names (pool empty) come back not ready: the caller creates them.
    for (const g of grants.filter((x) => !x.ready)) await helper.call('tap.create', { name: g.name, bridge: 'br' });
    await settled(r);
    for (const [i, n] of names.entries()) expect(r.ctx().used[n]).toBe(`vm-${i}`);
    for (const n of r.ctx().ready) expect(names).not.toContain(n);
    expectBooksMatchHost(r);
  });

  it('a duplicate release of a tap it already deleted does not put a ghost tap in the ready set', { timeout: 5000 }, async () => {
    const r = await startPool({ size: 1 });
    await settled(r);
    const a = await acquireTap(r.pool, 'vm-a');
    await settled(r);
    r.pool.send({ type: 'tap.release', vmId: 'vm-a', name: a.name }); // pool full: deleted
    await waitFor(r.pool, () => !r.helper.state().taps.includes(a.name), { timeout: 2000 });
    await acquireTap(r.pool, 'vm-b'); // empties the ready set for a moment
    r.pool.send({ type: 'tap.release', vmId: 'vm-a', name: a.name }); // a stop retried
    await settled(r);
    expect(r.ctx().ready).not.toContain(a.name);
    expectBooksMatchHost(r);
  });

  it('a tap handed out as a fresh name that was never created does not come back as ready', { timeout: 5000 }, async () => {
    const helper = new FakeHelper({ delayMs: 5 });
    const r = await startPool({ size: 1, helper });
    await settled(r);
    await acquireTap(r.pool, 'vm-a'); // takes the ready one; the refill is in flight
    const fresh = await acquireTap(r.pool, 'vm-b'); // pool empty: a fresh name, not created
    expect(fresh.ready).toBe(false);
    await settled(r);
    await acquireTap(r.pool, 'vm-c'); // empties the ready set again, so there is room
    // vm-b's tap.create failed, so its start rolled back and gave the name back.
    r.pool.send({ type: 'tap.release', vmId: 'vm-b', name: fresh.name });
    expect(r.ctx().ready).not.toContain(fresh.name);
    await settled(r);
    expect(r.ctx().ready).not.toContain(fresh.name);
    expectBooksMatchHost(r);
  });

  it('never keeps more than N ready when taps come back during a fill', { timeout: 5000 }, async () => {
    const helper = new FakeHelper({ delayMs: 10 });
    const r = await startPool({ size: 2, helper });
    await settled(r);
    const a = await acquireTap(r.pool, 'vm-a');
    const b2 = await acquireTap(r.pool, 'vm-b'); // the refill of 2 is in flight now
    r.pool.send({ type: 'tap.release', vmId: 'vm-a', name: a.name });
    r.pool.send({ type: 'tap.release', vmId: 'vm-b', name: b2.name });
    await settled(r);
    const bridge = r.pool.system.get('helperBridge') as AnyActorRef;
    await waitFor(bridge, (s) => (s as { context: { inFlight: number } }).context.inFlight === 0, { timeout: 2000 });
    expect(r.ctx().ready).toHaveLength(2);
    expectBooksMatchHost(r);
  });

  it('backs off when tap creation fails and refills once the helper recovers', { timeout: 5000 }, async () => {
    const helper = new FakeHelper({ failOn: (op) => (op === 'tap.create' ? new Error('helper is down') : undefined) });
    const r = await startPool({ size: 2, helper });
    await waitFor(r.pool, () => r.state() === '{"active":"backoff"}', { timeout: 2000 });
    expect(r.ctx().lastError).toMatch(/helper is down/);
    expect(r.ctx().ready).toEqual([]);
    // A start still gets a (fresh, not ready) name meanwhile.
    const g = await acquireTap(r.pool, 'vm-a');
    expect(g.ready).toBe(false);
    // The acquisition kicked off another (failing) fill: wait until it is backing off again.
    await waitFor(r.pool, () => r.state() === '{"active":"backoff"}', { timeout: 2000 });
    const calls = helper.count('tap.create');
    r.clock.increment(999);
    expect(helper.count('tap.create')).toBe(calls); // no retry before the backoff is up
    helper.setFailOn(undefined);
    r.clock.increment(1);
    await settled(r, 2);
    expect(r.ctx().lastError).toBeNull();
    expect(r.ctx().ready).not.toContain(g.name);
    await helper.call('tap.create', { name: g.name, bridge: 'br' });
    expectBooksMatchHost(r);
  });

  it('keeps partial fills and retries the rest', { timeout: 5000 }, async () => {
    let fails = 1;
    const helper = new FakeHelper({ failOn: (op) => (op === 'tap.create' && fails-- > 0 ? new Error('EBUSY') : undefined) });
    const r = await startPool({ size: 3, helper });
    await settled(r);
    expect(r.ctx().ready).toHaveLength(3);
    expectBooksMatchHost(r);
  });

  it('at init keeps held taps used, reuses leftovers up to N and deletes the surplus', { timeout: 5000 }, async () => {
    const r = await startPool({ size: 1, existing: ['bgp0', 'bgp3', 'bgp7'], held: { bgp3: 'vm-kept' } });
    await settled(r);
    expect(r.ctx().used).toEqual({ bgp3: 'vm-kept' });
    expect(r.ctx().ready).toEqual(['bgp0']);
    await waitFor(r.pool, () => !r.helper.state().taps.includes('bgp7'), { timeout: 2000 });
    // New names never collide with anything seen at init.
    await acquireTap(r.pool, 'vm-x');
    await settled(r);
    expect(r.ctx().ready).toEqual(['bgp8']);
    expectBooksMatchHost(r);
  });

  it('refuses acquisitions before init with a typed BusyError', { timeout: 5000 }, async () => {
    const helper = new FakeHelper();
    const root = setup({ actors: { helperBridge: provideHelperBridge(helper), tapPool: provideTapPool({ listTaps: async () => [], tapState: async () => 'ok' as const, findProcesses: async () => [], processMetrics: async () => undefined }) } }).createMachine({
      entry: [
        spawnChild('helperBridge', { id: 'helperBridge', systemId: 'helperBridge' }),
        spawnChild('tapPool', { id: 'tapPool', systemId: 'tapPool', input: { bridge: 'br', bridgeAddress: '172.16.0.1/24', prefix: PREFIX, size: 1 } }),
      ],
    });
    const actor = createActor(root).start();
    try {
      await expect(acquireTap(actor.system.get('tapPool'), 'vm')).rejects.toMatchObject({ name: 'BusyError', code: 'tap.pool_not_ready' });
    } finally {
      actor.stop();
    }
  });

  it('shutdown deletes the ready taps (VMs keep theirs), also when it arrives mid-fill', { timeout: 5000 }, async () => {
    const helper = new FakeHelper({ delayMs: 20 });
    const r = await startPool({ size: 3, helper });
    await settled(r);
    const a = await acquireTap(r.pool, 'vm-a');
    // The refill is in flight now: shutting down must not leave its taps behind.
    r.pool.send({ type: 'pool.shutdown' });
    await waitFor(r.pool, (s) => s.status === 'done', { timeout: 2000 });
    // Let any in-flight helper calls land.
    const bridge = r.pool.system.get('helperBridge') as AnyActorRef;
    await waitFor(bridge, (s) => (s as { context: { inFlight: number } }).context.inFlight === 0, { timeout: 2000 });
    expect(helper.state().taps).toEqual([a.name]);
  });
});
