/**
 * The supervisor's periodic work with a fake clock: the stale auto-stop sweep
 * and the stats poll. Intervals are vitest fake timers; "now" is the ports'
 * clock, moved by hand.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBangerSystem } from '../../../machines/system.js';
import type { BangerSystem, BangerSystemOptions } from '../../../machines/system.js';
import { createFakePorts } from '../../fakes/index.js';
import type { FakePortsBundle } from '../../fakes/index.js';

let now = Date.parse('2026-11-23T12:00:00.000Z');
let b: FakePortsBundle;
let sys: BangerSystem | null = null;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  now = Date.parse('2026-11-23T12:00:00.000Z');
  b = createFakePorts({ clock: { now: () => now } });
});
afterEach(async () => {
  await sys?.shutdown();
  sys = null;
  vi.useRealTimers();
});

async function boot(opts: Partial<BangerSystemOptions>): Promise<BangerSystem> {
  sys = createBangerSystem(b.ports, { network: { tapPoolSize: 1 }, statsPollIntervalMs: 0, exitWatchIntervalMs: 0, stopTimeoutMs: 100, ...opts });
  await sys.start({ timeoutMs: 5000 });
  return sys;
}

/** Lets the actors' promise chains (stop, release) run after a timer fired. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error(`never: ${what}`);
}

describe('stale auto-stop sweep', () => {
  it('stops running VMs untouched for longer than the limit, and only those', { timeout: 10_000 }, async () => {
    const s = await boot({ autoStopStaleAfterMs: 60_000, staleSweepIntervalMs: 1000 });
    const idle = await s.service.create({ name: 'idle' });
    const busy = await s.service.create({ name: 'busy' });
    const parked = await s.service.create({ name: 'parked', noStart: true });
    expect(idle.state).toBe('running');

    now += 30_000;
    vi.advanceTimersByTime(1000);
    await until(() => true, 'tick');
    expect(b.store.get(idle.id)!.state).toBe('running'); // 30 s is not stale yet

    now += 31_000;
    s.service.touch('busy'); // ssh/exec/ports keep it alive
    vi.advanceTimersByTime(1000);
    await until(() => b.store.get(idle.id)!.state === 'stopped', 'idle stopped');
    expect(b.store.get(busy.id)!.state).toBe('running');
    expect(b.store.get(parked.id)!.state).toBe('created');
    expect(b.store.get(idle.id)!.runtime.tapDevice).toBeUndefined();
  });

  it('is off when auto_stop_stale_after is 0', { timeout: 10_000 }, async () => {
    const s = await boot({ autoStopStaleAfterMs: 0, staleSweepIntervalMs: 1000 });
    const vm = await s.service.create({ name: 'forever' });
    now += 365 * 24 * 3600_000;
    vi.advanceTimersByTime(10_000);
    await until(() => true, 'tick');
    expect(b.store.get(vm.id)!.state).toBe('running');
  });
});

describe('stats poll', () => {
  it('records CPU %, RSS and disk bytes of running VMs', { timeout: 10_000 }, async () => {
    let cpuMs = 1000;
    b.ports.host.processMetrics = async (pid) => (b.vmm.alive.has(pid) ? { cpuTimeMs: cpuMs, rssBytes: 300 << 20 } : undefined);
    const s = await boot({ statsPollIntervalMs: 5000 });
    const vm = await s.service.create({ name: 'hot' });

    vi.advanceTimersByTime(5000);
    await until(() => b.store.get(vm.id)!.stats.rssBytes !== undefined, 'first sample');
    const first = b.store.get(vm.id)!.stats;
    expect(first).toMatchObject({ rssBytes: 300 << 20, systemOverlayBytes: 1024, workDiskBytes: 2048, collectedAt: new Date(now).toISOString() });
    expect(first.cpuPercent).toBeUndefined(); // needs two samples

    // 2500 ms of CPU over 5000 ms of wall time: 50 %.
    now += 5000;
    cpuMs += 2500;
    vi.advanceTimersByTime(5000);
    await until(() => b.store.get(vm.id)!.stats.cpuPercent !== undefined, 'second sample');
    expect(b.store.get(vm.id)!.stats.cpuPercent).toBe(50);
  });

  it('never reports a negative CPU % when the VM restarted between two polls (new process)', { timeout: 10_000 }, async () => {
    const cpu = new Map<number, number>();
    b.ports.host.processMetrics = async (pid) => (b.vmm.alive.has(pid) ? { cpuTimeMs: cpu.get(pid) ?? 0, rssBytes: 1 } : undefined);
    const s = await boot({ statsPollIntervalMs: 1000 });
    const vm = await s.service.create({ name: 'again' });
    cpu.set(b.store.get(vm.id)!.runtime.vmmPid!, 90_000); // an old, busy process
    vi.advanceTimersByTime(1000);
    await until(() => b.store.get(vm.id)!.stats.rssBytes !== undefined, 'first sample');
    await s.service.restart('again');
    now += 1000;
    vi.advanceTimersByTime(1000);
    await until(() => b.store.get(vm.id)!.stats.collectedAt === new Date(now).toISOString(), 'second sample');
    expect(b.store.get(vm.id)!.stats.cpuPercent).toBeUndefined();
  });

  it('a VMM that died under a running VM: error with the reason, everything released', { timeout: 10_000 }, async () => {
    const s = await boot({ statsPollIntervalMs: 1000 });
    const vm = await s.service.create({ name: 'crashy' });
    const pid = b.store.get(vm.id)!.runtime.vmmPid!;
    b.vmm.alive.delete(pid); // killed behind our back
    vi.advanceTimersByTime(1000);
    await until(() => b.store.get(vm.id)!.state === 'error', 'demoted to error');
    const row = b.store.get(vm.id)!;
    expect(row.runtime.lastError).toBe(`running.vmm.exited: VMM process ${pid} exited unexpectedly (killed or crashed; see ${row.runtime.logPath})`);
    expect(row.runtime.tapDevice).toBeUndefined();
    expect(b.handles.files.has(vm.id)).toBe(false);
    expect(b.helper.state().nat).toEqual([]);
    // And it can be started again.
    await expect(s.service.start('crashy')).resolves.toMatchObject({ state: 'running' });
  });

  it('fault: with stats polling off (stats_poll_interval = "0") a dead VMM was never noticed; the exit watch demotes the VM and releases everything', { timeout: 10_000 }, async () => {
    const s = await boot({ statsPollIntervalMs: 0, exitWatchIntervalMs: 1000 });
    const vm = await s.service.create({ name: 'unwatched' });
    const pid = b.store.get(vm.id)!.runtime.vmmPid!;
    b.vmm.alive.delete(pid);
    vi.advanceTimersByTime(1000);
    await until(() => b.store.get(vm.id)!.state === 'error', 'demoted to error');
    const row = b.store.get(vm.id)!;
    expect(row.runtime.lastError).toContain(`VMM process ${pid} exited unexpectedly`);
    expect(row.runtime.tapDevice).toBeUndefined();
    expect(b.handles.files.has(vm.id)).toBe(false);
    expect(b.helper.state().nat).toEqual([]);
    await expect(s.service.start('unwatched')).resolves.toMatchObject({ state: 'running' });
  });

  it('does not pile up when a poll is slower than the interval', { timeout: 10_000 }, async () => {
    let calls = 0;
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    b.ports.host.processMetrics = async () => {
      calls++;
      await slow;
      return { cpuTimeMs: 1, rssBytes: 1 };
    };
    const s = await boot({ statsPollIntervalMs: 1000 });
    await s.service.create({ name: 'a' });
    vi.advanceTimersByTime(5000);
    await until(() => calls > 0, 'first poll');
    expect(calls).toBe(1);
    release();
  });
});
