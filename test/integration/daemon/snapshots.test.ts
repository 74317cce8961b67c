import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusyError, ConflictError, InvalidInputError, NotFoundError } from '../../../src/errors/index.js';
import { buildDist } from '../../helpers/build.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';

const missing = requiresNetns();

/**
 * Snapshots, restore, fork and warm starts through a real bangerd with
 * stand-in VMs (rows, files, links and refusals; the real guest side is in
 * test/integration/vmm/qemu-snapshot.test.ts and the smoke suite).
 */
describe.skipIf(missing !== null)(gated('bangerd snapshots with stand-in VMs', missing), () => {
  let d: NetnsDaemon;

  beforeAll(async () => {
    buildDist();
    // A slow launch leaves a window in which a start is in progress.
    d = new NetnsDaemon({ extraConfig: '[standin]\nlaunch_delay = "300ms"\n' });
    await d.start();
  }, 180_000);

  afterAll(async () => {
    if (!d) return;
    await d.stop().catch(() => undefined);
    await d.cleanup();
  }, 60_000);

  const snapDir = () => join(d.layout.stateDir, 'snapshots');

  it('snapshots a running VM live and a stopped VM by its disks; lists, refuses bad names and duplicates', async () => {
    const c = await d.client();
    const vm = await c.call('vm.create', { name: 'sn-a', cold: true });
    const live = await c.call('vm.snapshot.create', { name: 'sn-a', snapshot: 'sn-a-1' });
    expect(live).toMatchObject({ name: 'sn-a-1', kind: 'memory', purpose: 'user', vmName: 'sn-a', vmId: vm.id });
    expect(live.pausedMs).toBeGreaterThanOrEqual(0);
    expect(existsSync(live.files.state!)).toBe(true);
    expect(existsSync(live.files.systemDisk)).toBe(true);
    const after = await c.call('vm.show', { name: 'sn-a' });
    expect(after.state).toBe('running');
    expect(after.runtime.baseSnapshotId).toBe(live.id);

    await expect(c.call('vm.snapshot.create', { name: 'sn-a', snapshot: 'sn-a-1' })).rejects.toBeInstanceOf(ConflictError);
    await expect(c.call('vm.snapshot.create', { name: 'sn-a', snapshot: 'Bad_Name' })).rejects.toBeInstanceOf(InvalidInputError);

    await c.call('vm.stop', { name: 'sn-a' });
    const disk = await c.call('vm.snapshot.create', { name: 'sn-a' });
    expect(disk).toMatchObject({ kind: 'disk', parentId: live.id });
    expect(disk.files.state).toBeUndefined();
    expect(disk.name).toMatch(/^sn-a-\d{8}-\d{6}$/);
    expect((await c.call('vm.show', { name: 'sn-a' })).state).toBe('stopped');

    // Two unnamed snapshots within one second still get names of their own.
    const again = await c.call('vm.snapshot.create', { name: 'sn-a' });
    expect(again.name).not.toBe(disk.name);
    expect(again.parentId).toBe(disk.id);
    const listed = await c.call('vm.snapshot.list', { name: 'sn-a' });
    expect(listed.map((s) => s.name)).toEqual(['sn-a-1', disk.name, again.name]);

    // A VM that never started has no disks to snapshot.
    await c.call('vm.create', { name: 'sn-new', noStart: true, cold: true });
    await expect(c.call('vm.snapshot.create', { name: 'sn-new' })).rejects.toThrow(/it is created/);
    await c.call('vm.delete', { name: 'sn-new' });
  }, 60_000);

  it('deleting a snapshot something depends on is refused with the names; restore rolls back; fork makes a VM of its own', async () => {
    const c = await d.client();
    await expect(c.call('vm.snapshot.delete', { snapshot: 'sn-a-1' })).rejects.toThrow(/in use by .*snapshot sn-a-\d/);

    // Restore: the memory snapshot makes the VM run again, from that snapshot.
    const restored = await c.call('vm.restore', { name: 'sn-a', snapshot: 'sn-a-1' });
    expect(restored.state).toBe('running');
    expect(restored.runtime.startPath).toBe('restore');
    expect(restored.runtime.restoreFrom).toBeUndefined();
    expect(restored.runtime.baseSnapshotId).toBe((await c.call('vm.snapshot.list', { name: 'sn-a' }))[0]!.id);

    // Fork of a running VM: a fork snapshot, the original keeps running, the fork has its own IP and name.
    const fork = await c.call('vm.fork', { source: 'sn-a', name: 'sn-b' });
    expect(fork).toMatchObject({ name: 'sn-b', state: 'running' });
    expect(fork.runtime.guestIP).not.toBe(restored.runtime.guestIP);
    expect(fork.runtime.startPath).toBe('restore');
    expect((await c.call('vm.show', { name: 'sn-a' })).state).toBe('running');
    const forkSnap = (await c.call('vm.snapshot.list', {})).find((s) => s.name === 'sn-a-fork-sn-b')!;
    expect(forkSnap.purpose).toBe('fork');
    expect(d.dig('sn-b.vm')).toEqual({ ip: fork.runtime.guestIP, status: 'NOERROR' });

    // Its disks are layers on snapshots now: the work disk cannot grow (said, not silently ignored).
    await expect(c.call('vm.set', { name: 'sn-b', diskSize: '64G' })).rejects.toThrow(/layered on a snapshot and cannot grow/);
    // Fork of a snapshot by name.
    const fork2 = await c.call('vm.fork', { source: 'sn-a-1', name: 'sn-c', noStart: true });
    expect(fork2).toMatchObject({ state: 'created', spec: { vcpuCount: restored.spec.vcpuCount } });
    expect(fork2.runtime.restoreFrom).toBeDefined();
    await expect(c.call('vm.snapshot.delete', { snapshot: 'sn-a-1' })).rejects.toThrow(/VM sn-c/);

    // Restore takes only the VM's own snapshots; unknown names are NotFound.
    await expect(c.call('vm.restore', { name: 'sn-b', snapshot: 'sn-a-1' })).rejects.toThrow(/taken of VM sn-a, not sn-b/);
    await expect(c.call('vm.restore', { name: 'sn-a', snapshot: 'nope' })).rejects.toBeInstanceOf(NotFoundError);

    for (const n of ['sn-c', 'sn-b', 'sn-a']) await c.call('vm.delete', { name: n, force: true });
    // Nothing depends on them now: every snapshot can go, leaving no file behind.
    const left = await c.call('vm.snapshot.list', {});
    for (const s of [...left].reverse()) await c.call('vm.snapshot.delete', { snapshot: s.name });
    expect(await c.call('vm.snapshot.list', {})).toEqual([]);
    expect(readdirSync(snapDir())).toEqual([]);
  }, 60_000);

  it('warm starts: the first ephemeral VM of a sizing leaves a warm snapshot, the next starts from it; --cold does not; a kept VM is never snapshotted for it', async () => {
    const c = await d.client();
    // A kept VM of a new sizing boots cold and stays unlayered (its work disk can still grow).
    const kept = await c.call('vm.create', { name: 'wm-0', vcpu: 1, memoryMiB: 256 });
    expect(kept.runtime).toMatchObject({ startPath: 'cold' });
    expect(kept.runtime.baseSnapshotId).toBeUndefined();
    expect((await c.call('vm.snapshot.list', {})).filter((s) => s.purpose === 'warm')).toHaveLength(0);
    expect((await c.call('vm.set', { name: 'wm-0', diskSize: '16G' })).spec.workDiskSizeBytes).toBe(16 * 1024 ** 3);
    const first = await c.call('vm.create', { name: 'wm-1', vcpu: 1, memoryMiB: 256, ephemeral: true });
    expect(first.runtime.startPath).toBe('cold');
    const warm = (await c.call('vm.snapshot.list', {})).filter((s) => s.purpose === 'warm');
    expect(warm).toHaveLength(1);
    expect(warm[0]).toMatchObject({ kind: 'memory', spec: { vcpuCount: 1, memoryMiB: 256 } });

    const second = await c.call('vm.create', { name: 'wm-2', vcpu: 1, memoryMiB: 256 });
    expect(second).toMatchObject({ state: 'running', runtime: { startPath: 'warm', baseSnapshotId: warm[0]!.id } });
    const cold = await c.call('vm.create', { name: 'wm-3', vcpu: 1, memoryMiB: 256, cold: true });
    expect(cold.runtime.startPath).toBe('cold');
    expect(cold.runtime.baseSnapshotId).toBeUndefined();
    // Another sizing has no warm snapshot yet.
    expect((await c.call('vm.create', { name: 'wm-4', vcpu: 2, memoryMiB: 256, ephemeral: true })).runtime.startPath).toBe('cold');
    expect((await c.call('vm.snapshot.list', {})).filter((s) => s.purpose === 'warm')).toHaveLength(2);

    // image warm answers with the existing one.
    const again = await c.call('image.warm', { name: warm[0]!.imageId, vcpu: 1, memoryMiB: 256 });
    expect(again.id).toBe(warm[0]!.id);
    for (const n of ['wm-0', 'wm-1', 'wm-2', 'wm-3', 'wm-4']) await c.call('vm.delete', { name: n, force: true });
  }, 60_000);

  it('a snapshot of a VM in a transition is refused at once, saying what is in progress', async () => {
    const c = await d.client();
    const creating = c.call('vm.create', { name: 'busy-s', cold: true });
    await new Promise((r) => setTimeout(r, 100));
    await expect(c.call('vm.snapshot.create', { name: 'busy-s' })).rejects.toSatisfy((e: unknown) => e instanceof BusyError && /busy: (create|start|starting)/.test(e.message));
    expect((await creating).state).toBe('running');
    expect((await c.call('vm.snapshot.list', { name: 'busy-s' })).length).toBe(0);
    await c.call('vm.delete', { name: 'busy-s', force: true });
  }, 60_000);

  it('a snapshot whose image was deleted is refused by name for fork and restore', async () => {
    const c = await d.client();
    const vm = await c.call('vm.create', { name: 'img-gone', cold: true });
    await c.call('vm.snapshot.create', { name: 'img-gone', snapshot: 'img-gone-s' });
    await c.call('vm.delete', { name: 'img-gone', force: true });
    for (const s of await c.call('vm.snapshot.list', {})) if (s.purpose === 'warm') await c.call('vm.snapshot.delete', { snapshot: s.name });
    await c.call('image.delete', { name: vm.imageId });
    await expect(c.call('vm.fork', { source: 'img-gone-s', name: 'img-gone-2' })).rejects.toThrow(/image has since been deleted/);
    await expect(c.call('vm.show', { name: 'img-gone-2' })).rejects.toBeInstanceOf(NotFoundError);
    await c.call('vm.snapshot.delete', { snapshot: 'img-gone-s' });
  }, 60_000);
});
