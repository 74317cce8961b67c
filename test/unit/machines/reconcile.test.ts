/**
 * Reconcile at daemon start, with the real handles.json store on a temp
 * layout: the verdict per row (pure function), then the whole system started
 * over those rows (re-adopt: DNS answers and the tap is marked used; dead:
 * teardown and demote to stopped with nothing left).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createBangerSystem } from '../../../machines/system.js';
import type { BangerSystem } from '../../../machines/system.js';
import { reconcile } from '../../../machines/supervisor/reconcile.js';
import type { VMRecord } from '../../../src/model/index.js';
import { createHandlesStore } from '../../../src/host/handles-file.js';
import { handlesPath } from '../../../src/host/layout.js';
import type { Layout } from '../../../src/host/layout.js';
import { startDnsServer } from '../../../src/host/dns/index.js';
import { createFakePorts } from '../../fakes/index.js';
import type { FakePortsBundle } from '../../fakes/index.js';
import { makeRecord } from '../../helpers/records.js';
import { tempLayout } from '../../helpers/test-layout.js';
import { queryDns } from '../../helpers/dns-query.js';

let t: ReturnType<typeof tempLayout>;
let b: FakePortsBundle;
let layout: Layout;
let systems: BangerSystem[] = [];

beforeEach(() => {
  t = tempLayout('banger-reconcile-');
  layout = t.layout;
  b = createFakePorts({ handles: createHandlesStore(t.layout), startDnsServer });
});
afterEach(async () => {
  for (const s of systems) await s.shutdown();
  systems = [];
  t.cleanup();
});

/** A row the previous daemon left in `state`, with the VM's resources present on the (modelled) host. */
async function leftover(name: string, i: number, state: VMRecord['state'], opts: { alive?: boolean; handles?: 'file' | 'missing' | 'corrupt'; mirror?: boolean } = {}) {
  const vm = makeRecord(name, i, t.root);
  vm.state = state;
  vm.spec.natEnabled = true;
  const tap = `bgtap${10 + i}`;
  await b.helper.call('tap.create', { name: tap, bridge: 'br-banger' });
  await b.helper.call('nat.up', { guestIP: vm.runtime.guestIP, tap, bridge: 'br-banger' });
  const pid = 50_000 + i;
  if (opts.alive) b.vmm.alive.set(pid, vm.runtime.apiSockPath);
  if (opts.mirror !== false) Object.assign(vm.runtime, { tapDevice: tap, vmmPid: pid });
  b.store.insert(vm);
  const mode = opts.handles ?? 'file';
  if (mode === 'file') b.ports.handles.write(vm.id, { tapDevice: tap, pid, pidStartTime: 1, apiSockPath: vm.runtime.apiSockPath });
  if (mode === 'corrupt') {
    const p = handlesPath(layout, vm.id);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, '{"version": 1, "tapDevice": ');
  }
  return { vm, tap, pid };
}

describe('reconcile (verdicts)', () => {
  it('keeps a running VM whose VMM is alive, from handles.json', { timeout: 5000 }, async () => {
    const { vm, tap, pid } = await leftover('alive', 0, 'running', { alive: true });
    const out = await reconcile(b.ports);
    expect(out.report).toEqual({ kept: ['alive'], demoted: [] });
    expect(out.held).toEqual({ [tap]: vm.id });
    expect(out.plans[0]!.recover).toEqual({
      mode: 'adopt',
      releases: [
        { kind: 'tap', name: tap },
        { kind: 'nat', guestIP: vm.runtime.guestIP, tap },
        { kind: 'vmm', apiSockPath: vm.runtime.apiSockPath, pid, pidStartTime: 1 },
      ],
    });
  });

  it.each(['missing', 'corrupt'] as const)('falls back to the row mirror when handles.json is %s', { timeout: 5000 }, async (mode) => {
    const { vm, tap } = await leftover('m', 0, 'running', { alive: true, handles: mode });
    const out = await reconcile(b.ports);
    expect(out.report.kept).toEqual(['m']);
    expect(out.held).toEqual({ [tap]: vm.id });
    expect(out.plans[0]!.recover?.releases.map((r) => r.kind)).toEqual(['tap', 'nat', 'vmm']);
  });

  it('demotes a running VM whose process is gone, saying why and where the names came from', { timeout: 5000 }, async () => {
    await leftover('dead', 0, 'running', { alive: false, handles: 'corrupt' });
    const out = await reconcile(b.ports);
    expect(out.report.kept).toEqual([]);
    expect(out.report.demoted).toEqual([{ name: 'dead', reason: expect.stringMatching(/VMM process \d+ is gone.*handles\.json is not valid JSON; used the row's mirrored names/) }]);
    expect(out.plans[0]!.recover?.mode).toBe('teardown');
  });

  it('tears down a VM caught mid-start or mid-stop even if its VMM runs', { timeout: 5000 }, async () => {
    await leftover('mid-start', 0, 'starting', { alive: true });
    await leftover('mid-stop', 1, 'stopping', { alive: true });
    const out = await reconcile(b.ports);
    expect(out.report.demoted.map((d) => d.name).sort()).toEqual(['mid-start', 'mid-stop']);
    expect(out.report.demoted[0]!.reason).toMatch(/daemon restarted while the VM was (starting|stopping)/);
  });

  it('leaves created, stopped and error rows alone', { timeout: 5000 }, async () => {
    for (const [i, s] of (['created', 'stopped', 'error'] as const).entries()) b.store.insert(makeRecord(`r${i}`, i, t.root, { state: s }));
    const out = await reconcile(b.ports);
    expect(out.report).toEqual({ kept: [], demoted: [] });
    expect(out.plans.every((p) => p.recover === undefined)).toBe(true);
  });

  it('an inspect that throws counts as dead, not as a reconcile failure', { timeout: 5000 }, async () => {
    await leftover('odd', 0, 'running', { alive: true });
    b.vmm.inspect = async () => {
      throw new Error('EACCES /proc');
    };
    const out = await reconcile(b.ports);
    expect(out.report.demoted.map((d) => d.name)).toEqual(['odd']);
  });
});

describe('reconcile (through the system)', () => {
  async function boot() {
    const sys = createBangerSystem(b.ports, { network: { tapPoolSize: 1 }, dns: { host: '127.0.0.1', port: 0 }, statsPollIntervalMs: 0, stopTimeoutMs: 100 });
    systems.push(sys);
    const report = await sys.start({ timeoutMs: 5000 });
    return { sys, report };
  }
  const settle = async (sys: BangerSystem, vmId: string, want: string) => {
    for (let i = 0; i < 200 && sys.vmState(vmId) !== want; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sys.vmState(vmId)).toBe(want);
  };

  it('re-adopts a live VM: running, DNS answers, its tap is marked used and not handed out', { timeout: 10_000 }, async () => {
    const { vm, tap, pid } = await leftover('keep', 0, 'running', { alive: true });
    const { sys, report } = await boot();
    expect(report.kept).toEqual(['keep']);
    await settle(sys, vm.id, 'running');
    const dns = sys.dnsAddress();
    expect(dns).not.toBeNull();
    expect(await queryDns(dns!.host, dns!.port, 'keep.vm')).toMatchObject({ rcode: 'NOERROR', a: [vm.runtime.guestIP] });
    expect(b.vmm.alive.has(pid)).toBe(true);
    // A new VM must not get the adopted tap.
    const other = await sys.service.create({ name: 'fresh' } as never);
    expect(other.runtime.tapDevice).toBeDefined();
    expect(other.runtime.tapDevice).not.toBe(tap);
    expect(b.store.get(vm.id)!.state).toBe('running');
  });

  it('re-adopts a paused VM as paused (DNS still answers), and resume lets it run', { timeout: 10_000 }, async () => {
    const { vm, pid } = await leftover('frozen', 0, 'paused', { alive: true });
    const { sys, report } = await boot();
    expect(report.kept).toEqual(['frozen']);
    await settle(sys, vm.id, 'paused');
    const dns = sys.dnsAddress()!;
    expect(await queryDns(dns.host, dns.port, 'frozen.vm')).toMatchObject({ rcode: 'NOERROR', a: [vm.runtime.guestIP] });
    expect((await sys.service.resume('frozen')).state).toBe('running');
    expect(b.vmm.calls.filter((c) => c.method === 'resume').map((c) => (c.arg as { pid: number }).pid)).toEqual([pid]);
  });

  it('tears a dead VM down and demotes it to stopped, leaving nothing behind', { timeout: 10_000 }, async () => {
    const { vm, tap } = await leftover('gone', 0, 'running', { alive: false, handles: 'missing' });
    const { sys, report } = await boot();
    expect(report.demoted.map((d) => d.name)).toEqual(['gone']);
    await settle(sys, vm.id, 'stopped');
    const row = b.store.get(vm.id)!;
    expect(row.state).toBe('stopped');
    expect(row.runtime.lastError).toMatch(/is gone/);
    expect(row.runtime.tapDevice).toBeUndefined();
    expect(row.runtime.vmmPid).toBeUndefined();
    expect(b.ports.handles.read(vm.id).handles).toBeNull();
    expect(b.helper.state().nat).toEqual([]);
    const dns = sys.dnsAddress()!;
    expect((await queryDns(dns.host, dns.port, 'gone.vm')).rcode).toBe('NXDOMAIN');
    // Its tap went back to the pool or was deleted, never left on the host unowned.
    await sys.shutdown();
    expect(b.helper.state().taps).not.toContain(tap);
  });

  it('a VM left in error still holding resources keeps holding them, and stop releases them', { timeout: 10_000 }, async () => {
    const { vm, tap, pid } = await leftover('stuck', 0, 'error', { alive: true });
    b.store.update(vm.id, { lastError: 'stop.release: vmm: kill: EPERM' });
    const { sys, report } = await boot();
    expect(report).toEqual({ kept: [], demoted: [] });
    await settle(sys, vm.id, 'error');
    expect(b.store.get(vm.id)!.runtime.lastError).toBe('stop.release: vmm: kill: EPERM');
    // Its tap is not handed to anyone else meanwhile.
    const other = await sys.service.create({ name: 'fresh' });
    expect(other.runtime.tapDevice).not.toBe(tap);
    await expect(sys.service.stop('stuck')).resolves.toMatchObject({ state: 'stopped' });
    expect(b.vmm.alive.has(pid)).toBe(false);
    expect(b.helper.state().nat.filter((n) => n.startsWith(vm.runtime.guestIP))).toEqual([]);
    expect(b.ports.handles.read(vm.id).handles).toBeNull();
    expect(b.store.get(vm.id)!.runtime.tapDevice).toBeUndefined();
  });

  it('kills a VMM that was still starting when the daemon died', { timeout: 10_000 }, async () => {
    const { vm, pid } = await leftover('half', 0, 'starting', { alive: true });
    const { sys } = await boot();
    await settle(sys, vm.id, 'stopped');
    expect(b.vmm.alive.has(pid)).toBe(false);
    expect(b.store.get(vm.id)!.runtime.lastError).toMatch(/daemon restarted while the VM was starting/);
  });

  it('kills a VMM announced without a pid (daemon died inside launch), found by its socket path', { timeout: 10_000 }, async () => {
    const { vm } = await leftover('nopid', 0, 'starting', { alive: false, handles: 'missing', mirror: false });
    b.vmm.alive.set(61_000, vm.runtime.apiSockPath);
    const { sys } = await boot();
    await settle(sys, vm.id, 'stopped');
    expect(b.vmm.alive.size).toBe(0);
  });
});
