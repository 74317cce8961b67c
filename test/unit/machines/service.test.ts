/**
 * The service facade's per-VM serialisation, through the whole actor system
 * over fake ports. The policy (documented in service.ts): a repeat of the
 * operation in flight joins it; `stop` may cut into a `start`; any other
 * second operation fails at once with BusyError "VM x is busy: <op> in
 * progress". The guest-ready port is the gate that holds a start open.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBangerSystem } from '../../../machines/system.js';
import type { BangerSystem } from '../../../machines/system.js';
import { BusyError, ConflictError, GuestError, HostError, NotFoundError, VmmError } from '../../../src/errors/index.js';
import { createFakePorts } from '../../fakes/index.js';
import type { FakePortsBundle } from '../../fakes/index.js';

let b: FakePortsBundle;
let sys: BangerSystem;
/** Holds every waitForGuest until `openGuest()`; honours the abort signal like the real port. */
let openGuest: () => void;
let guestFails: Error | null;

beforeEach(async () => {
  b = createFakePorts();
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  openGuest = () => {
    open();
    gate = new Promise<void>((r) => (open = r));
  };
  guestFails = null;
  b.ports.guest = {
    waitForGuest: (_vm, { signal }) =>
      new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
        void gate.then(() => (guestFails ? reject(guestFails) : resolve()));
      }),
  };
  sys = createBangerSystem(b.ports, { network: { tapPoolSize: 1 }, statsPollIntervalMs: 0, stopTimeoutMs: 100, opTimeoutMs: 5000 });
  await sys.start({ timeoutMs: 5000 });
});
afterEach(async () => {
  openGuest();
  await sys.shutdown();
});

const waitState = async (name: string, want: string) => {
  for (let i = 0; i < 300 && !b.store.getByName(name); i++) await new Promise((r) => setTimeout(r, 5));
  const id = b.store.getByName(name)!.id;
  for (let i = 0; i < 300 && sys.vmState(id) !== want; i++) await new Promise((r) => setTimeout(r, 5));
  expect(sys.vmState(id)).toBe(want);
};

/** Creates a VM and lets its start through the guest gate. */
async function createRunning(name: string) {
  const p = sys.service.create({ name });
  await waitState(name, 'starting.guestReady');
  openGuest();
  return p;
}

function expectNothingHeld(name: string): void {
  const row = b.store.getByName(name)!;
  expect(row.runtime.tapDevice).toBeUndefined();
  expect(b.handles.files.has(row.id)).toBe(false);
  expect(b.vmm.alive.size).toBe(0);
  expect(b.helper.state().nat).toEqual([]);
}

describe('VmService serialisation', () => {
  it('a second start while one is in flight joins it (one launch, same result)', { timeout: 10_000 }, async () => {
    await sys.service.create({ name: 'a', noStart: true });
    const first = sys.service.start('a');
    await waitState('a', 'starting.guestReady');
    const second = sys.service.start('a');
    openGuest();
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.state).toBe('running');
    expect(r2).toEqual(r1);
    expect(b.vmm.calls.filter((c) => c.method === 'launch')).toHaveLength(1);
  });

  it.each([
    ['delete', () => sys.service.delete('a')],
    ['restart', () => sys.service.restart('a')],
    ['set', () => sys.service.set('a', { vcpu: 4 })],
  ] as const)('%s while a start is in flight fails at once with BusyError', { timeout: 10_000 }, async (_op, call) => {
    await sys.service.create({ name: 'a', noStart: true });
    const start = sys.service.start('a');
    await waitState('a', 'starting.guestReady');
    const err = await call().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusyError);
    expect(err).toMatchObject({ code: 'vm.busy', message: 'VM a is busy: start in progress' });
    expect((err as BusyError).hint).toMatch(/banger vm stop a/);
    openGuest();
    await expect(start).resolves.toMatchObject({ state: 'running' });
    // Once it settled, the same operation goes through.
    await expect(sys.service.set('a', { vcpu: 4 })).resolves.toMatchObject({ spec: { vcpuCount: 4 } });
  });

  it('stop cuts into a start: the start reports the cancellation, everything is released', { timeout: 10_000 }, async () => {
    await sys.service.create({ name: 'a', noStart: true });
    const start = sys.service.start('a').catch((e: unknown) => e);
    await waitState('a', 'starting.guestReady');
    await expect(sys.service.stop('a')).resolves.toMatchObject({ state: 'stopped' });
    const err = await start;
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'vm.start_cancelled' });
    expectNothingHeld('a');
  });

  it('a second stop joins the first; stop on a stopped VM is a no-op', { timeout: 10_000 }, async () => {
    await createRunning('a');
    const [s1, s2] = await Promise.all([sys.service.stop('a'), sys.service.stop('a')]);
    expect(s1.state).toBe('stopped');
    expect(s2.state).toBe('stopped');
    expect(b.vmm.calls.filter((c) => c.method === 'stop')).toHaveLength(1);
    await expect(sys.service.stop('a')).resolves.toMatchObject({ state: 'stopped' });
  });

  it('start while a stop is in flight is busy (stop never yields to start)', { timeout: 10_000 }, async () => {
    const vm = await createRunning('a');
    // Hold the VMM's graceful stop so `stopping` lasts.
    let letGo!: () => void;
    const held = new Promise<void>((r) => (letGo = r));
    b.vmm.stop = async (h) => {
      await held;
      b.vmm.alive.delete(h.pid);
      return 'graceful';
    };
    const stopping = sys.service.stop(vm.name);
    await waitState('a', 'stopping');
    await expect(sys.service.start('a')).rejects.toMatchObject({ name: 'BusyError', message: 'VM a is busy: stop in progress' });
    letGo();
    await stopping;
  });

  it('stop --force kills the VMM instead of shutting it down; delete --force too', { timeout: 10_000 }, async () => {
    for (const name of ['a', 'b']) {
      await createRunning(name);
    }
    await expect(sys.service.stop('a', { force: true })).resolves.toMatchObject({ state: 'stopped' });
    await expect(sys.service.delete('b', { force: true })).resolves.toEqual({ deleted: 'b' });
    expect(b.vmm.calls.filter((c) => c.method === 'stop')).toHaveLength(0);
    expect(b.vmm.calls.filter((c) => c.method === 'kill')).toHaveLength(2);
    expectNothingHeld('a');
    // The next plain stop is graceful again: force does not stick to the VM.
    const p = sys.service.start('a');
    await waitState('a', 'starting.guestReady');
    openGuest();
    await p;
    await sys.service.stop('a');
    expect(b.vmm.calls.filter((c) => c.method === 'stop')).toHaveLength(1);
  });

  it('stop --force during a hanging graceful stop kills the VMM and both callers see it stopped', { timeout: 10_000 }, async () => {
    const vm = await createRunning('a');
    // A graceful stop that only ends when the process dies (a guest ignoring the power button).
    let died!: () => void;
    const death = new Promise<void>((r) => (died = r));
    b.vmm.stop = async (h) => {
      await death;
      b.vmm.alive.delete(h.pid);
      return 'killed';
    };
    b.vmm.kill = async (h) => {
      b.vmm.alive.delete(h.pid);
      died();
    };
    const graceful = sys.service.stop(vm.name);
    await waitState('a', 'stopping');
    const forced = sys.service.stop(vm.name, { force: true });
    const [g, f] = await Promise.all([graceful, forced]);
    expect(g.state).toBe('stopped');
    expect(f.state).toBe('stopped');
    expectNothingHeld('a');
  });

  it('pause and resume: idempotent, refused with a fix in other states; a failed pause leaves the VM running', { timeout: 10_000 }, async () => {
    await createRunning('p');
    await expect(sys.service.pause('p')).resolves.toMatchObject({ state: 'paused' });
    await expect(sys.service.pause('p')).resolves.toMatchObject({ state: 'paused' });
    expect(b.vmm.calls.filter((c) => c.method === 'pause')).toHaveLength(1);
    // start of a paused VM resumes it rather than launching a second VMM.
    await expect(sys.service.start('p')).resolves.toMatchObject({ state: 'running' });
    expect(b.vmm.calls.filter((c) => c.method === 'launch')).toHaveLength(1);
    await expect(sys.service.resume('p')).resolves.toMatchObject({ state: 'running' });

    b.vmm.pause = async () => {
      throw new VmmError('QMP stop failed: socket closed', { code: 'qmp.closed', hint: 'see console.log' });
    };
    await expect(sys.service.pause('p')).rejects.toThrow(/running\.vmm\.pause: QMP stop failed/);
    await waitState('p', 'running');
    expect(b.store.getByName('p')!.state).toBe('running');
    expect(b.store.getByName('p')!.runtime.lastError).toBeUndefined();

    await sys.service.stop('p');
    await expect(sys.service.pause('p')).rejects.toMatchObject({ code: 'vm.not_running', hint: 'start it first: banger vm start p' });
    await expect(sys.service.resume('p')).rejects.toMatchObject({ code: 'vm.not_paused' });
  });

  it('operations on different VMs run side by side', { timeout: 10_000 }, async () => {
    await sys.service.create({ name: 'a', noStart: true });
    await sys.service.create({ name: 'b', noStart: true });
    const sa = sys.service.start('a');
    const sb = sys.service.start('b');
    await waitState('a', 'starting.guestReady');
    await waitState('b', 'starting.guestReady');
    openGuest();
    await expect(Promise.all([sa, sb])).resolves.toHaveLength(2);
  });

  it('a failed start surfaces the step error with its class; the VM can be started again', { timeout: 10_000 }, async () => {
    await sys.service.create({ name: 'a', noStart: true });
    guestFails = new GuestError('no SSH banner after 30 s', { hint: 'banger vm logs a' });
    const start = sys.service.start('a').catch((e: unknown) => e);
    await waitState('a', 'starting.guestReady');
    openGuest();
    const err = await start;
    expect(err).toBeInstanceOf(GuestError);
    expect(err).toMatchObject({ message: 'start.guest.ready: no SSH banner after 30 s', hint: 'banger vm logs a' });
    expect(b.store.getByName('a')!.state).toBe('error');
    expectNothingHeld('a');
    guestFails = null;
    const again = sys.service.start('a');
    await waitState('a', 'starting.guestReady');
    openGuest();
    await expect(again).resolves.toMatchObject({ state: 'running' });
  });

  it('stop of a VM whose failed rollback is being retried waits for it instead of being lost', { timeout: 10_000 }, async () => {
    await sys.service.create({ name: 'a', noStart: true });
    // The rollback's kill fails: the VMM stays on the undo stack, the VM rests in error holding it.
    b.vmm.kill = async () => {
      throw new HostError('kill: EPERM');
    };
    guestFails = new GuestError('guest never answered');
    const start = sys.service.start('a').catch((e: unknown) => e);
    await waitState('a', 'starting.guestReady');
    openGuest();
    expect(await start).toBeInstanceOf(GuestError);
    await waitState('a', 'error');
    expect(b.vmm.alive.size).toBe(1);
    // start again: it first retries the release (reclaiming), here held open by a slow graceful stop.
    let letGo!: () => void;
    const held = new Promise<void>((r) => (letGo = r));
    b.vmm.stop = async (h) => {
      await held;
      b.vmm.alive.delete(h.pid);
      return 'graceful';
    };
    guestFails = null;
    const restart = sys.service.start('a').catch((e: unknown) => e);
    await waitState('a', 'reclaiming');
    const stop = sys.service.stop('a');
    letGo();
    await expect(stop).resolves.toMatchObject({ state: 'stopped' });
    expect(await restart).toBeInstanceOf(ConflictError);
    expectNothingHeld('a');
  });

  it('unknown names are NotFoundError; ids and unique id prefixes resolve', { timeout: 10_000 }, async () => {
    const vm = await sys.service.create({ name: 'a', noStart: true });
    await expect(sys.service.start('zzz')).rejects.toBeInstanceOf(NotFoundError);
    expect(sys.service.touch(vm.id).name).toBe('a');
    expect(sys.service.touch(vm.id.slice(0, 6)).name).toBe('a');
  });
});
