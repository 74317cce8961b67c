import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realMountOps, removeUnmounted } from '../../../src/host/remove-unmounted.js';
import { createTempRoot, type TempRoot } from '../../helpers/index.js';
import { firstMissing, missingBinaries, missingRoot, skipReason } from '../../helpers/vmm-capabilities.js';

const missing = firstMissing(missingRoot(), missingBinaries('mount', 'umount'));

/**
 * What a killed mmdebstrap leaves: the host's files bound into a chroot
 * inside banger's scratch dir. Here the "host" is a dir of the test's own,
 * bound in with a real bind mount, plus a tmpfs; removing the scratch tree
 * must detach both and never delete through the bind.
 */
describe.skipIf(skipReason(missing))('removeUnmounted with real mounts', () => {
  let temp: TempRoot;
  let scratch: string;
  let hostShm: string;
  beforeEach(() => {
    temp = createTempRoot('bgrmu-');
    scratch = join(temp.root, 'scratch');
    hostShm = join(temp.root, 'host-shm');
    mkdirSync(hostShm);
    writeFileSync(join(hostShm, 'victim'), 'a host file\n');
    mkdirSync(join(scratch, 'rootfs', 'dev', 'shm'), { recursive: true });
    mkdirSync(join(scratch, 'rootfs', 'run'), { recursive: true });
  });
  afterEach(async () => {
    // Whatever happened above, no mount of this test stays (and then its temp root can go).
    for (const m of (await realMountOps.mountPoints()).filter((p) => p.startsWith(temp.root)).reverse()) execFileSync('umount', ['-l', m]);
    temp.remove();
  });

  it('detaches a bind of host files and a tmpfs, deletes the tree, and the host file survives', async () => {
    execFileSync('mount', ['--bind', hostShm, join(scratch, 'rootfs', 'dev', 'shm')]);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(scratch, 'rootfs', 'run')]);
    writeFileSync(join(scratch, 'rootfs', 'run', 'pid'), '1\n');
    expect(readFileSync(join(scratch, 'rootfs', 'dev', 'shm', 'victim'), 'utf8')).toBe('a host file\n');

    const r = await removeUnmounted(scratch);
    expect(r.removed).toBe(true);
    expect(r.mounts.sort()).toEqual([join(scratch, 'rootfs', 'dev', 'shm'), join(scratch, 'rootfs', 'run')].sort());
    expect(existsSync(scratch)).toBe(false);
    expect(readFileSync(join(hostShm, 'victim'), 'utf8')).toBe('a host file\n');
    expect((await realMountOps.mountPoints()).filter((p) => p.startsWith(temp.root))).toEqual([]);
  });
});
