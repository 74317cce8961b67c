import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmTransition } from '../../../src/model/index.js';
import { BusyError, NotFoundError } from '../../../src/errors/index.js';
import { buildDist } from '../../helpers/build.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { waitFor } from '../../helpers/rig.js';

const missing = requiresNetns();

/** /proc/PID/stat's state letter (T: stopped by a signal). */
const procState = (pid: number) => /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];

describe.skipIf(missing !== null)(gated('bangerd with stand-in VMs in a netns', missing), () => {
  let d: NetnsDaemon;

  beforeAll(async () => {
    buildDist();
    // A slow launch gives the busy test a window where start is in progress.
    d = new NetnsDaemon({ extraConfig: '[standin]\nlaunch_delay = "300ms"\n', statsPollInterval: '200ms' });
    await d.start();
  }, 180_000);

  afterAll(async () => {
    if (!d) return;
    await d.stop().catch(() => undefined);
    await d.cleanup();
  }, 60_000);

  it('create → stop → start → delete over RPC, with rows, taps and processes following', async () => {
    const c = await d.client();
    const vm = await c.call('vm.create', { name: 'rt-one' });
    expect(vm).toMatchObject({ name: 'rt-one', state: 'running', vmm: 'standin' });
    expect(vm.runtime.tapDevice).toMatch(new RegExp(`^${d.tapPrefix}`));
    expect(d.taps()).toContain(vm.runtime.tapDevice);
    expect(d.standinPids()).toHaveLength(1);
    expect(existsSync(vm.runtime.systemOverlayPath)).toBe(true);

    const shown = await c.call('vm.show', { name: 'rt-one' });
    expect(shown.state).toBe('running');

    const stopped = await c.call('vm.stop', { name: 'rt-one' });
    expect(stopped.state).toBe('stopped');
    expect(stopped.runtime.tapDevice).toBeUndefined();
    expect(d.standinPids()).toHaveLength(0);

    const started = await c.call('vm.start', { name: 'rt-one' });
    expect(started.state).toBe('running');
    expect(started.runtime.guestIP).toBe(vm.runtime.guestIP); // stable for the VM's life

    const restarted = await c.call('vm.restart', { name: 'rt-one' });
    expect(restarted.state).toBe('running');
    expect(restarted.runtime.vmmPid).not.toBe(started.runtime.vmmPid);
    expect(d.standinPids()).toEqual([restarted.runtime.vmmPid]);

    const set = await c.call('vm.set', { name: 'rt-one', vcpu: 3, diskSize: '16G' });
    expect(set.spec).toMatchObject({ vcpuCount: 3, workDiskSizeBytes: 16 * 1024 ** 3 });
    await expect(c.call('vm.set', { name: 'rt-one', diskSize: '1G' })).rejects.toThrow(/smaller than the current 16G/);
    expect(await c.call('vm.logs', { name: 'rt-one' })).toEqual({ path: vm.runtime.logPath, text: '' });

    expect(await c.call('vm.delete', { name: 'rt-one' })).toEqual({ deleted: 'rt-one' });
    await expect(c.call('vm.show', { name: 'rt-one' })).rejects.toBeInstanceOf(NotFoundError);
    expect(existsSync(vm.runtime.vmDir)).toBe(false);
    expect(d.standinPids()).toHaveLength(0);
  }, 60_000);

  it('a second, different operation on a VM mid-start is refused as busy; a repeat joins', async () => {
    const c = await d.client();
    await c.call('vm.create', { name: 'rt-busy', noStart: true });
    const start = c.call('vm.start', { name: 'rt-busy' });
    const again = c.call('vm.start', { name: 'rt-busy' });
    await new Promise((r) => setTimeout(r, 50));
    await expect(c.call('vm.restart', { name: 'rt-busy' })).rejects.toSatisfy(
      (e: unknown) => e instanceof BusyError && /busy: start in progress/.test(e.message),
    );
    await expect(c.call('vm.delete', { name: 'rt-busy' })).rejects.toBeInstanceOf(BusyError);
    const [a, b] = await Promise.all([start, again]);
    expect(a.state).toBe('running');
    expect(b.state).toBe('running');
    await c.call('vm.delete', { name: 'rt-busy' });
  }, 60_000);

  it('events.subscribe streams the transitions of a start and a stop, in order', async () => {
    const sub = await d.client();
    const seen: VmTransition[] = [];
    const inspected: { actor: string; type: string }[] = [];
    sub.onNotification((method, params) => {
      if (method === 'vm.transition') seen.push(params as VmTransition);
      if (method === 'debug.inspect') inspected.push(params as { actor: string; type: string });
    });
    expect(await sub.call('events.subscribe', { topics: ['vm.transition'] })).toEqual({ topics: ['vm.transition'] });
    expect((await sub.call('events.subscribe', { topics: ['debug.inspect'] })).topics.sort()).toEqual(['debug.inspect', 'vm.transition']);
    const c = await d.client();
    const vm = await c.call('vm.create', { name: 'rt-events', noStart: true });
    await c.call('vm.start', { name: 'rt-events' });
    await c.call('vm.stop', { name: 'rt-events' });
    await waitFor(() => seen.filter((t) => t.vmId === vm.id).at(-1)?.to === 'stopped', 5000);
    const path = seen.filter((t) => t.vmId === vm.id).map((t) => t.to);
    const startAt = path.indexOf('starting.storage');
    expect(startAt).toBeGreaterThanOrEqual(0);
    expect(path.slice(startAt)).toEqual([
      'starting.storage',
      'starting.network',
      'starting.vmm',
      'starting.guestReady',
      'running',
      'stopping',
      'stopped',
    ]);
    expect(inspected.some((r) => r.actor === `vm:${vm.id}` && r.type === 'snapshot')).toBe(true);
    // The row is written before the transition goes out: after the stop reply the row says stopped.
    expect((await c.call('vm.show', { name: 'rt-events' })).state).toBe('stopped');
    for (const t of seen) expect(t).toMatchObject({ vmId: expect.any(String), name: expect.any(String), from: expect.any(String), at: expect.any(String) });
    await c.call('vm.delete', { name: 'rt-events' });
  }, 60_000);

  it('DNS answers NAME.vm with the guest IP while the VM runs, NXDOMAIN once it stops', async () => {
    const c = await d.client();
    const vm = await c.call('vm.create', { name: 'rt-dns' });
    expect(d.dig('rt-dns.vm')).toEqual({ ip: vm.runtime.guestIP, status: 'NOERROR' });
    await c.call('vm.stop', { name: 'rt-dns' });
    expect(d.dig('rt-dns.vm')).toEqual({ ip: null, status: 'NXDOMAIN' });
    await c.call('vm.delete', { name: 'rt-dns' });
  }, 60_000);

  it('pause freezes the VMM process and keeps its name; resume lets it run; wrong states are refused naming the fix', async () => {
    const c = await d.client();
    const vm = await c.call('vm.create', { name: 'rt-pause' });
    const pid = vm.runtime.vmmPid!;
    const paused = await c.call('vm.pause', { name: 'rt-pause' });
    expect(paused.state).toBe('paused');
    expect(procState(pid)).toBe('T'); // stopped: no CPU
    expect(d.dig('rt-pause.vm')).toEqual({ ip: vm.runtime.guestIP, status: 'NOERROR' });
    expect((await c.call('vm.pause', { name: 'rt-pause' })).state).toBe('paused'); // idempotent
    expect((await c.call('vm.list', {})).find((v) => v.name === 'rt-pause')?.state).toBe('paused');
    await expect(c.call('vm.ports', { name: 'rt-pause' })).rejects.toThrow(/it is paused/);

    const resumed = await c.call('vm.resume', { name: 'rt-pause' });
    expect(resumed.state).toBe('running');
    expect(resumed.runtime.vmmPid).toBe(pid); // the same process, not a restart
    expect(procState(pid)).not.toBe('T');

    // start of a paused VM resumes it; stop of a paused VM shuts it down.
    await c.call('vm.pause', { name: 'rt-pause' });
    expect((await c.call('vm.start', { name: 'rt-pause' })).runtime.vmmPid).toBe(pid);
    await c.call('vm.pause', { name: 'rt-pause' });
    expect((await c.call('vm.stop', { name: 'rt-pause' })).state).toBe('stopped');
    expect(d.standinPids()).not.toContain(pid);
    await expect(c.call('vm.pause', { name: 'rt-pause' })).rejects.toThrow(/cannot pause VM rt-pause: it is stopped/);
    await expect(c.call('vm.resume', { name: 'rt-pause' })).rejects.toThrow(/cannot resume VM rt-pause: it is stopped/);
    await c.call('vm.delete', { name: 'rt-pause' });
  }, 60_000);

  it('vm.ssh, vm.stats, vm.workspace, vm.ports and debug.* answer', async () => {
    const c = await d.client();
    const vm = await c.call('vm.create', { name: 'rt-misc' });
    const ssh = await c.call('vm.ssh', { name: 'rt-misc' });
    expect(ssh).toEqual({
      name: 'rt-misc',
      host: vm.runtime.guestIP,
      port: 22,
      user: 'root',
      privateKeyPath: d.layout.sshKeyPath,
      knownHostsPath: d.layout.knownHostsPath,
      hostKeyAlias: 'rt-misc.vm',
    });
    expect(existsSync(d.layout.sshKeyPath)).toBe(true);
    await waitFor(() => false, 500); // a few stats polls
    const stats = await c.call('vm.stats', { name: 'rt-misc' });
    expect(stats).toMatchObject({ name: 'rt-misc', state: 'running', stats: { rssBytes: expect.any(Number) } });
    expect(stats.uptimeMs).toBeGreaterThanOrEqual(0);
    const ws = await c.call('vm.workspace', {
      name: 'rt-misc',
      workspace: { sourcePath: '/src/x', repoRoot: '/src/x', repoName: 'x', guestPath: '/root/x', mode: 'full_copy' },
    });
    expect(ws.workspace).toMatchObject({ vmId: vm.id, repoName: 'x', guestPath: '/root/x' });
    await expect(c.call('vm.ports', { name: 'rt-misc' })).rejects.toThrow(/stand-in VMM, which has no guest agent/);
    const graphs = await c.call('debug.machines', {});
    expect(graphs.map((g) => g.id).sort()).toEqual(['dns', 'helperBridge', 'supervisor', 'tapPool', 'vm']);
    const actors = await c.call('debug.actors', {});
    expect(actors).toContainEqual({ id: `vm:${vm.id}`, machineId: 'vm', state: 'running' });
    expect(actors.map((a) => a.id)).toContain('supervisor');
    await c.call('vm.delete', { name: 'rt-misc' });
  }, 60_000);
});
