import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeExt4 } from '../../host/storage/index.js';
import { MiB, nowIso, type Image } from '../../model/index.js';
import { buildInitramfs } from '../initramfs.js';
import { ensureDebianKernel } from '../kernel/debian-kernel.js';
import type { ProfileBuildContext } from '../profile.js';
import { assembleMinimalRootfs, assembleWorkSeed } from './rootfs.js';

/** Kernel args the minimal image needs; network and console are added per VM. */
export const MINIMAL_KERNEL_ARGS = 'root=/dev/vda rw init=/sbin/init';

/**
 * minimal profile: Debian cloud kernel + busybox initramfs + an ext4 rootfs
 * with busybox init, dropbear and the agent. Boots to SSH in seconds under TCG.
 */
export async function buildMinimal(ctx: ProfileBuildContext): Promise<Image> {
  const { progress, signal, staging } = ctx;
  const kernel = await ensureDebianKernel({ cacheDir: ctx.cacheDir, signal, onProgress: progress });
  const scratch = await mkdtemp(join(ctx.cacheDir, `build-${staging.id.slice(0, 8)}-`));
  try {
    const kernelPath = join(staging.dir, 'vmlinuz');
    await copyFile(kernel.vmlinuzPath, kernelPath);

    progress('initramfs', `modules from ${kernel.release}`);
    const initrdPath = join(staging.dir, 'initrd.img');
    await buildInitramfs({ modulesDir: kernel.modulesDir, outPath: initrdPath, workDir: scratch, signal });

    progress('rootfs.assemble', 'busybox, dropbear, agent');
    const rootTree = join(scratch, 'rootfs');
    await mkdir(rootTree);
    await assembleMinimalRootfs({ dir: rootTree, authorizedKey: ctx.sshKey.publicKey, signal });
    progress('rootfs.mkfs', 'ext4');
    const rootfsPath = join(staging.dir, 'rootfs.ext4');
    // Sparse: the file's apparent size is headroom for the guest, not disk use.
    await makeExt4({ path: rootfsPath, sizeBytes: 256 * MiB, fromDir: rootTree, label: 'banger-root', signal });

    progress('work-seed', 'authorized_keys');
    const seedTree = join(scratch, 'work');
    await mkdir(seedTree);
    await assembleWorkSeed(seedTree, ctx.sshKey.publicKey);
    const workSeedPath = join(staging.dir, 'work-seed.ext4');
    await makeExt4({ path: workSeedPath, sizeBytes: 64 * MiB, fromDir: seedTree, label: 'banger-work', signal });

    const now = nowIso();
    return {
      id: staging.id,
      name: ctx.name,
      profile: 'minimal',
      managed: true,
      artifactDir: staging.dir,
      rootfsPath,
      workSeedPath,
      kernelPath,
      initrdPath,
      kernelArgs: MINIMAL_KERNEL_ARGS,
      sshKeyFingerprint: ctx.sshKey.fingerprint,
      createdAt: now,
      updatedAt: now,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
