import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Image } from '../../../src/model/index.js';
import { createLaunchPlanner } from '../../../src/vmm/planner.js';
import { VMM_BACKENDS, type VmmDeps } from '../../../src/vmm/registry.js';
import { makeImage, makeVm } from '../../helpers/fixtures.js';

/** Which kernel file each VMM gets: the bzImage by default, the ELF vmlinux where asked (Firecracker). */
describe('launch planner: kernel choice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'banger-planner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const vmlinuz = join(dir, 'vmlinuz');
  const vmlinux = join(dir, 'vmlinux');
  writeFileSync(vmlinuz, 'bz');
  writeFileSync(vmlinux, 'elf');
  const withBoth = makeImage({ name: 'tiny', kernelPath: vmlinuz, vmlinuxPath: vmlinux });
  const plan = (image: Image, kernel?: 'vmlinuz' | 'vmlinux') =>
    createLaunchPlanner({ images: { get: () => image }, bridgeCidr: '172.16.0.1/24', ...(kernel ? { kernel } : {}) }).launchSpec(makeVm(), {
      storage: { rootDisk: { path: '/r', format: 'raw' } },
      tap: 't',
      mac: '06:00:ac:10:00:02',
    });

  it('vmlinuz by default and when asked; vmlinux when asked', async () => {
    expect((await plan(withBoth)).kernelPath).toBe(vmlinuz);
    expect((await plan(withBoth, 'vmlinuz')).kernelPath).toBe(vmlinuz);
    expect((await plan(withBoth, 'vmlinux')).kernelPath).toBe(vmlinux);
  });

  it('refuses an image without a vmlinux with image.no_vmlinux and the fix for its kind', async () => {
    const old = makeImage({ name: 'old', profile: 'minimal', kernelPath: vmlinuz });
    await expect(plan(old, 'vmlinux')).rejects.toMatchObject({
      code: 'image.no_vmlinux',
      message: 'image "old" has no vmlinux: this VMM boots only an uncompressed ELF kernel',
      hint: expect.stringMatching(/restart bangerd to extract it .* or rebuild it: banger image build --profile minimal --name old --force$/),
    });
    await expect(plan({ ...old, profile: 'imported' }, 'vmlinux')).rejects.toMatchObject({ hint: expect.stringContaining('import it again (banger image import SOURCE --name old') });
    // The bzImage path is unaffected.
    expect((await plan(old)).kernelPath).toBe(vmlinuz);
  });

  it('a vmlinux recorded but gone from disk is a missing artifact', async () => {
    await expect(plan({ ...withBoth, vmlinuxPath: join(dir, 'gone') }, 'vmlinux')).rejects.toMatchObject({ code: 'image.artifact_missing', message: expect.stringContaining('the vmlinux of image "tiny" is missing') });
  });

  it('the Firecracker backend plans with the vmlinux', async () => {
    const deps: VmmDeps = { layout: { vmsDir: dir, runtimeDir: dir, sshDir: dir, sshKeyPath: dir, knownHostsPath: dir }, bridgeCidr: '172.16.0.1/24', images: { get: () => withBoth }, accel: 'tcg' };
    const ctx = { storage: { rootDisk: { path: '/r', format: 'raw' as const } }, tap: 't', mac: '06:00:ac:10:00:02' };
    expect((await VMM_BACKENDS.firecracker.create(deps).planner.launchSpec(makeVm({ vmm: 'firecracker' }), ctx)).kernelPath).toBe(vmlinux);
  });
});
