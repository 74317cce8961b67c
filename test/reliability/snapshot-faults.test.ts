/**
 * Snapshot faults under real QEMU VMs (issue 15), through the built CLI in a
 * throwaway network namespace: kill -9 of bangerd while a snapshot is being
 * taken and while a fork is being restored, and the disk filling up under a
 * snapshot. After each: no half snapshot row or file, and the VM recoverable.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotRecord } from '../../src/model/index.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { count } from './support/counters.js';
import { ensureDist } from './support/dist.js';
import { waitTransition } from './support/transitions.js';
import { RealVmRig } from './support/real-vm-rig.js';
import { jsonData } from '../helpers/cli-json.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables'));

describe.skipIf(skipReason(missing))('snapshot faults under real QEMU VMs', () => {
  let rig: RealVmRig;

  beforeAll(async () => {
    ensureDist();
    rig = new RealVmRig();
    const built = await rig.buildDefaultImage();
    expect(built.code, built.stderr).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await rig?.cleanup();
  }, 300_000);

  const snapshots = async (): Promise<SnapshotRecord[]> => jsonData((await rig.cli(['vm', 'snapshot', 'list', '--json'])).stdout) as SnapshotRecord[];
  /** Every directory under snapshots/ belongs to a listed snapshot, and every listed file exists. */
  async function noHalfSnapshots(): Promise<string[]> {
    const listed = await snapshots();
    const dir = join(rig.layout.stateDir, 'snapshots');
    const problems: string[] = [];
    for (const d of existsSync(dir) ? readdirSync(dir) : []) if (!listed.some((s) => s.id === d)) problems.push(`unlisted dir ${d}`);
    for (const s of listed) for (const f of Object.values(s.files)) if (!existsSync(f)) problems.push(`${s.name}: missing ${f}`);
    return problems;
  }
  async function reachable(name: string): Promise<void> {
    const vm = await rig.settledShow(name, 180_000);
    if (vm.state !== 'running') expect((await rig.cli(['vm', 'start', name], { timeoutMs: 300_000 })).code).toBe(0);
    const ssh = await rig.cli(['vm', 'ssh', name, '--', 'cat', '/root/mark'], { timeoutMs: 120_000 });
    expect(ssh.code, ssh.stderr).toBe(0);
    expect(ssh.stdout.trim()).toBe('kept');
  }

  it.each([
    { at: 'as the snapshot starts', delayMs: 0 },
    { at: 'mid-stream', delayMs: 400 },
  ])('kill -9 of bangerd $at: no half snapshot afterwards, the VM runs on with its data and takes the next snapshot', { timeout: 600_000 }, async ({ at, delayMs }) => {
    const name = `snapkill-${delayMs}`;
    expect((await rig.cli(['vm', 'create', '--name', name, '--cold', '--memory', '512'], { timeoutMs: 300_000 })).code).toBe(0);
    expect((await rig.cli(['vm', 'ssh', name, '--', 'sh', '-c', 'echo kept > /root/mark; sync'], { timeoutMs: 120_000 })).code).toBe(0);
    const c = await rig.client();
    await c.call('events.subscribe', { topics: ['vm.transition'] });
    const into = waitTransition(c, name, 'snapshotting', 60_000);
    void c.call('vm.snapshot.create', { name, snapshot: `${name}-s` }).catch(() => undefined);
    await into;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    await rig.kill9();
    count('faultsInjected', 1, `kill -9 of bangerd during a live snapshot (${at})`);

    await reachable(name);
    const problems = await noHalfSnapshots();
    count('resourcesLeaked', problems.length, problems.length ? problems.join('; ') : undefined);
    expect(problems).toEqual([]);
    const left = (await snapshots()).filter((s) => s.vmName === name);
    console.log(`kill -9 ${at}: ${left.length ? `kept ${left.map((s) => `${s.name} (${s.kind})`).join(', ')}` : 'no snapshot left'}`);
    const next = await rig.cli(['vm', 'snapshot', name, '--name', `${name}-s2`], { timeoutMs: 300_000 });
    expect(next.code, next.stderr).toBe(0);
    expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
  });

  it('kill -9 of bangerd while a fork is being restored: afterwards the fork runs (or starts) with the data, the original is untouched', { timeout: 600_000 }, async () => {
    const name = 'forksrc';
    expect((await rig.cli(['vm', 'create', '--name', name, '--cold', '--memory', '512'], { timeoutMs: 300_000 })).code).toBe(0);
    expect((await rig.cli(['vm', 'ssh', name, '--', 'sh', '-c', 'echo kept > /root/mark; sync'], { timeoutMs: 120_000 })).code).toBe(0);
    expect((await rig.cli(['vm', 'fork', name, '--name', 'forkdst', '--no-start'], { timeoutMs: 300_000 })).code).toBe(0);
    const c = await rig.client();
    await c.call('events.subscribe', { topics: ['vm.transition'] });
    const into = waitTransition(c, 'forkdst', 'starting.guestReady', 120_000);
    void c.call('vm.start', { name: 'forkdst' }).catch(() => undefined);
    await into;
    await rig.kill9();
    count('faultsInjected', 1, 'kill -9 of bangerd while a fork is restored');
    await reachable('forkdst');
    await reachable(name);
    const [src, dst] = [await rig.show(name), await rig.show('forkdst')];
    expect(dst.runtime.guestIP).not.toBe(src.runtime.guestIP);
    const host = await rig.cli(['vm', 'ssh', 'forkdst', '--', 'hostname'], { timeoutMs: 60_000 });
    expect(host.stdout.trim()).toBe('forkdst');
    expect(await noHalfSnapshots()).toEqual([]);
    for (const n of ['forkdst', name]) expect((await rig.cli(['vm', 'delete', '--force', n], { timeoutMs: 120_000 })).code).toBe(0);
  });

  it('the disk filling during a snapshot: one error naming the disk, no snapshot left, the VM running on', { timeout: 600_000 }, async () => {
    const name = 'snapfull';
    expect((await rig.cli(['vm', 'create', '--name', name, '--cold', '--memory', '512'], { timeoutMs: 300_000 })).code).toBe(0);
    expect((await rig.cli(['vm', 'ssh', name, '--', 'sh', '-c', 'echo kept > /root/mark; sync'], { timeoutMs: 120_000 })).code).toBe(0);
    // The snapshots dir on a 16 MiB tmpfs of its own: the state stream cannot fit. (A disk freeze renames within
    // one filesystem, so the freeze would fail too; the stream is the first write, and it fills the disk first.)
    const dir = join(rig.layout.stateDir, 'snapshots');
    mkdirSync(dir, { recursive: true });
    // bangerd runs in a mount namespace of its own (ip netns exec): stop it, so the next one sees the mount. The VM runs on.
    expect((await rig.cli(['daemon', 'stop'])).code).toBe(0);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', `bgrel-snapfull-${rig.temp.root.slice(-6)}`, dir], { stdio: 'pipe' });
    try {
      count('faultsInjected', 1, 'full disk under a live snapshot');
      const r = await rig.cli(['vm', 'snapshot', name, '--name', 'too-big'], { timeoutMs: 300_000 });
      expect(r.code).not.toBe(0);
      console.log(`message: ${r.stderr.trim().split('\n').join(' | ')}`);
      expect(r.stderr).toMatch(/full/);
      expect(r.stderr).toContain(dir);
      expect((await snapshots()).filter((s) => s.vmName === name)).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
      expect((await rig.show(name)).state).toBe('running');
      await reachable(name);
    } finally {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    }
    expect((await rig.cli(['vm', 'delete', '--force', name], { timeoutMs: 120_000 })).code).toBe(0);
  });
});
