import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RpcClient } from '../../../src/rpc/index.js';
import type { VMRecord } from '../../../src/model/index.js';
import { buildDist } from '../../helpers/build.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { isAlive, waitFor } from '../../helpers/rig.js';

const missing = requiresNetns();
const POOL = 2;

/** Polls vm.list until no VM is mid-operation (reconcile and its teardowns are done). */
async function settled(c: RpcClient, timeoutMs: number): Promise<VMRecord[]> {
  const deadline = Date.now() + timeoutMs;
  let vms: VMRecord[] = [];
  while (Date.now() < deadline) {
    vms = await c.call('vm.list', {});
    if (vms.every((v) => v.state === 'running' || v.state === 'stopped' || v.state === 'created' || v.state === 'error')) return vms;
    await new Promise((r) => setTimeout(r, 100));
  }
  return vms;
}

/** Every VM is running (process alive, DNS answers) or stopped; no other tap or stand-in process exists. */
async function expectConsistent(d: NetnsDaemon, vms: VMRecord[]): Promise<void> {
  const running = vms.filter((v) => v.state === 'running');
  for (const v of vms) expect(['running', 'stopped'], `${v.name} is ${v.state}: ${v.runtime.lastError ?? ''}`).toContain(v.state);
  for (const v of running) {
    expect(v.runtime.vmmPid, v.name).toBeDefined();
    expect(isAlive(v.runtime.vmmPid!), `${v.name}'s stand-in`).toBe(true);
    expect(d.dig(`${v.name}.vm`).ip, `${v.name}.vm`).toBe(v.runtime.guestIP);
  }
  for (const v of vms.filter((x) => x.state === 'stopped')) expect(d.dig(`${v.name}.vm`).status).toBe('NXDOMAIN');
  // Processes: exactly the running VMs' stand-ins.
  expect(d.standinPids().sort()).toEqual(running.map((v) => v.runtime.vmmPid!).sort());
  // Taps: the running VMs' plus at most the pool's ready ones (surplus deletion is asynchronous).
  const held = new Set(running.map((v) => v.runtime.tapDevice!));
  expect(await waitFor(() => d.taps().filter((t) => !held.has(t)).length <= POOL, 30_000), `taps: ${d.taps().join(' ')}`).toBe(true);
  for (const t of held) expect(d.taps()).toContain(t);
}

describe.skipIf(missing !== null)(gated('reconcile after bangerd dies', missing), () => {
  let d: NetnsDaemon | undefined;
  beforeAll(() => buildDist(), 180_000);
  afterEach(async () => {
    await d?.cleanup();
    d = undefined;
  }, 60_000);

  it('kill -9 while 20 stand-in VMs start: after restart each is running (alive, DNS) or stopped; nothing leaks', async () => {
    d = new NetnsDaemon({ tapPoolSize: POOL, extraConfig: '[standin]\nprepare_delay = "100ms"\nlaunch_delay = "700ms"\nguest_ready_delay = "700ms"\n' });
    await d.start();
    const c = await d.client();
    const names = Array.from({ length: 20 }, (_, i) => `k9-${String(i).padStart(2, '0')}`);
    for (const name of names) await c.call('vm.create', { name, noStart: true });
    // Five finish starting; the other fifteen are mid-start (storage, vmm launch, guest wait) at the kill.
    await Promise.all(names.slice(0, 5).map((name) => c.call('vm.start', { name })));
    for (const name of names.slice(5)) void c.call('vm.start', { name }).catch(() => undefined);
    expect(await waitFor(() => d!.standinPids().length >= 10, 20_000)).toBe(true);
    await d.kill9();
    expect(d.standinPids().length).toBeGreaterThanOrEqual(10); // stand-ins outlive the daemon, like VMMs

    await d.start();
    const c2 = await d.client();
    const vms = await settled(c2, 60_000);
    expect(vms).toHaveLength(20);
    expect(vms.filter((v) => v.state === 'running').length).toBeGreaterThanOrEqual(5);
    await expectConsistent(d, vms);

    // The survivors are fully usable: stop one, start a demoted one.
    const demoted = vms.find((v) => v.state === 'stopped');
    if (demoted) {
      expect(demoted.runtime.lastError ?? '').toMatch(/daemon restarted while the VM was starting/);
      expect((await c2.call('vm.start', { name: demoted.name })).state).toBe('running');
    }
    await c2.call('vm.stop', { name: 'k9-00' });
    await expectConsistent(d, await settled(c2, 30_000));
    await d.stop();
  }, 180_000);

  it('a graceful stop leaves running VMs running; the next daemon re-adopts them', async () => {
    d = new NetnsDaemon({ tapPoolSize: POOL });
    await d.start();
    const c = await d.client();
    const created = await Promise.all(['gs-a', 'gs-b', 'gs-c'].map((name) => c.call('vm.create', { name })));
    await c.call('vm.stop', { name: 'gs-c' });
    await d.stop();
    for (const v of created.slice(0, 2)) expect(isAlive(v.runtime.vmmPid!)).toBe(true);

    await d.start();
    const c2 = await d.client();
    const vms = await settled(c2, 30_000);
    expect(Object.fromEntries(vms.map((v) => [v.name, v.state]))).toEqual({ 'gs-a': 'running', 'gs-b': 'running', 'gs-c': 'stopped' });
    await expectConsistent(d, vms);
    for (const v of created.slice(0, 2)) expect(vms.find((x) => x.id === v.id)?.runtime.vmmPid).toBe(v.runtime.vmmPid);
    await d.stop();
  }, 120_000);
});
