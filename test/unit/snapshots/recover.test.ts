import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diskFormat } from '../../../src/host/storage/index.js';
import type { SnapshotRecord, VMRecord } from '../../../src/model/index.js';
import { recoverPendingSnapshots } from '../../../src/snapshots/recover.js';
import { makeVm } from '../../helpers/fixtures.js';

const hasQemuImg = (() => {
  try {
    execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * What a crash mid-snapshot leaves, file by file, and what the next bangerd
 * start makes of it (the real-QEMU kill -9 cases are in
 * test/reliability/snapshot-faults.test.ts; these pin each crash point).
 */
describe.skipIf(!hasQemuImg)('recoverPendingSnapshots', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function rig(vmState: VMRecord['state'] = 'running') {
    const root = mkdtempSync(join(tmpdir(), 'bg-recover-'));
    dirs.push(root);
    const snapshotsDir = join(root, 'snapshots');
    const vmDir = join(root, 'vms', 'v1');
    mkdirSync(vmDir, { recursive: true });
    const vm = makeVm({ id: 'v1', name: 'dev', state: vmState });
    vm.runtime.systemOverlayPath = join(vmDir, 'system.qcow2');
    vm.runtime.workDiskPath = join(vmDir, 'work.ext4');
    vm.runtime.vmmPid = 4242;
    const dir = join(snapshotsDir, 's1');
    mkdirSync(dir, { recursive: true });
    const snap = { id: 's1', name: 'dev-s1', vmId: 'v1', vmName: 'dev', dir, files: { systemDisk: join(dir, 'system.disk'), workDisk: join(dir, 'work.disk') } } as SnapshotRecord;
    const rows = { pending: [snap], ready: [] as string[], deleted: [] as string[] };
    const links: string[] = [];
    const store = {
      snapshots: {
        pending: () => rows.pending,
        markReady: (id: string) => (rows.ready.push(id), true),
        delete: (id: string) => (rows.deleted.push(id), true),
      },
      vms: { getById: (id: string) => (id === vm.id ? vm : undefined) },
    };
    const unfrozen: string[] = [];
    const run = () =>
      recoverPendingSnapshots(
        store as never,
        { update: (_id, p) => (links.push(p.links?.baseSnapshotId ?? ''), true) },
        { info() {}, warn() {} },
        snapshotsDir,
        async (v) => void unfrozen.push(v.name),
      );
    const img = (path: string, backing?: string) =>
      backing
        ? execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-F', 'raw', '-b', backing, path, '64M'])
        : writeFileSync(path, Buffer.alloc(1024 * 1024));
    return { vm, snap, rows, links, unfrozen, run, img, dir };
  }

  it('nothing switched yet (only ACTIVE.new files): the new files and the snapshot go; the VM keeps its disks and is let run', async () => {
    const r = rig();
    r.img(r.vm.runtime.systemOverlayPath);
    r.img(r.vm.runtime.workDiskPath);
    r.img(`${r.vm.runtime.systemOverlayPath}.new`, r.snap.files.systemDisk);
    expect(await r.run()).toEqual({ kept: [], removed: ['dev-s1'] });
    expect(existsSync(`${r.vm.runtime.systemOverlayPath}.new`)).toBe(false);
    expect(existsSync(r.vm.runtime.systemOverlayPath)).toBe(true);
    expect(existsSync(r.dir)).toBe(false);
    expect(r.rows.deleted).toEqual(['s1']);
    expect(r.unfrozen).toEqual(['dev']);
  });

  it('switched but not renamed (ACTIVE.next): the renames are finished and the snapshot is kept, disks only, with the VM linked to it', async () => {
    const r = rig();
    for (const [active, frozen] of [[r.vm.runtime.systemOverlayPath, r.snap.files.systemDisk], [r.vm.runtime.workDiskPath, r.snap.files.workDisk]] as const) {
      r.img(active);
      r.img(`${active}.next`, frozen);
    }
    writeFileSync(join(r.dir, 'state.bin.part'), 'half a stream');
    expect(await r.run()).toEqual({ kept: ['dev-s1'], removed: [] });
    expect(await diskFormat(r.vm.runtime.workDiskPath)).toBe('qcow2');
    expect(existsSync(r.snap.files.workDisk)).toBe(true);
    expect(existsSync(join(r.dir, 'state.bin.part'))).toBe(false);
    expect(r.rows.ready).toEqual(['s1']);
    expect(r.links).toEqual(['s1']);
  });

  it('a stopped VM frozen halfway (root done, work not): the work disk is frozen now, so nothing under the VM is dropped', async () => {
    const r = rig('stopped');
    r.img(r.snap.files.systemDisk);
    r.img(r.vm.runtime.systemOverlayPath, r.snap.files.systemDisk);
    r.img(r.vm.runtime.workDiskPath);
    expect(await r.run()).toEqual({ kept: ['dev-s1'], removed: [] });
    expect(existsSync(r.snap.files.workDisk)).toBe(true);
    expect(await diskFormat(r.vm.runtime.workDiskPath)).toBe('qcow2');
    expect(r.unfrozen).toEqual([]);
  });

  it('a stopped VM whose rename happened but whose new layer was not made yet gets its layer', async () => {
    const r = rig('stopped');
    r.img(r.snap.files.systemDisk);
    r.img(r.snap.files.workDisk);
    expect(await r.run()).toEqual({ kept: ['dev-s1'], removed: [] });
    expect(await diskFormat(r.vm.runtime.systemOverlayPath)).toBe('qcow2');
    expect(await diskFormat(r.vm.runtime.workDiskPath)).toBe('qcow2');
  });
});
