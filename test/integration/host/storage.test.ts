import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOverlay, createWorkDisk, growWorkDisk, makeExt4 } from '../../../src/host/storage/index.js';
import { MiB } from '../../../src/model/index.js';
import { firstMissing, missingBinaries, skipReason } from '../../helpers/vmm-capabilities.js';

const missing = firstMissing(missingBinaries('qemu-img', 'mkfs.ext4', 'debugfs', 'resize2fs', 'e2fsck'));

function qemuImgInfo(path: string): { format: string; 'virtual-size': number; 'backing-filename'?: string; 'backing-filename-format'?: string } {
  const r = spawnSync('qemu-img', ['info', '--output=json', '-U', path], { encoding: 'utf8' });
  return JSON.parse(r.stdout) as ReturnType<typeof qemuImgInfo>;
}

/** Filesystem size in bytes as ext4 itself records it. */
function fsBytes(path: string): number {
  const r = spawnSync('dumpe2fs', ['-h', path], { encoding: 'utf8' });
  return Number(/Block count:\s+(\d+)/.exec(r.stdout)?.[1]) * Number(/Block size:\s+(\d+)/.exec(r.stdout)?.[1]);
}

describe.skipIf(skipReason(missing))('storage: overlay and work disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'banger-storage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const rootfs = join(dir, 'rootfs.ext4');
  const seed = join(dir, 'seed.ext4');

  it('creates a qcow2 overlay backed by the raw rootfs without copying it, idempotently', async () => {
    await makeExt4({ path: rootfs, sizeBytes: 64 * MiB });
    const ov = await createOverlay({ backingPath: rootfs, overlayPath: join(dir, 'vm', 'system.qcow2'), sizeBytes: 128 * MiB });
    expect(ov).toMatchObject({ kind: 'qcow2', format: 'qcow2' });
    const info = qemuImgInfo(ov.path);
    expect(info.format).toBe('qcow2');
    expect(info['backing-filename']).toBe(rootfs);
    expect(info['backing-filename-format']).toBe('raw');
    expect(info['virtual-size']).toBe(128 * MiB);
    expect(statSync(ov.path).size).toBeLessThan(1 * MiB);
    const again = await createOverlay({ backingPath: rootfs, overlayPath: ov.path });
    expect(again.path).toBe(ov.path);
  });

  it('falls back to a sparse copy that never shrinks below the image', async () => {
    const ov = await createOverlay({ backingPath: rootfs, overlayPath: join(dir, 'copy.raw'), kind: 'sparse-copy', sizeBytes: 1 });
    expect(ov.format).toBe('raw');
    expect(statSync(ov.path).size).toBe(64 * MiB);
  });

  it('refuses a missing or relative backing file with a hint', async () => {
    await expect(createOverlay({ backingPath: join(dir, 'nope.ext4'), overlayPath: join(dir, 'x.qcow2') })).rejects.toThrow(/does not exist/);
    await expect(createOverlay({ backingPath: 'rel.ext4', overlayPath: join(dir, 'x.qcow2') })).rejects.toThrow(/absolute/);
    expect(existsSync(join(dir, 'x.qcow2'))).toBe(false);
  });

  it('seeds the work disk from the image work seed and grows it offline', async () => {
    const tree = join(dir, 'seedtree');
    mkdirSync(join(tree, '.ssh'), { recursive: true, mode: 0o700 });
    writeFileSync(join(tree, '.ssh', 'authorized_keys'), 'ssh-ed25519 AAAA test\n', { mode: 0o600 });
    await makeExt4({ path: seed, sizeBytes: 16 * MiB, fromDir: tree });
    const work = join(dir, 'vm', 'work.ext4');
    await createWorkDisk({ path: work, sizeBytes: 64 * MiB, seedPath: seed });
    expect(statSync(work).size).toBe(64 * MiB);
    expect(fsBytes(work)).toBe(64 * MiB);
    const cat = spawnSync('debugfs', ['-R', 'cat /.ssh/authorized_keys', work], { encoding: 'utf8' });
    expect(cat.stdout).toBe('ssh-ed25519 AAAA test\n');

    await growWorkDisk(work, 96 * MiB);
    expect(fsBytes(work)).toBe(96 * MiB);
    await expect(growWorkDisk(work, 32 * MiB)).rejects.toThrow(/cannot shrink/);
    // The seed itself is untouched.
    expect(statSync(seed).size).toBe(16 * MiB);
  });
});
