import { constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeExt4 } from '../host/storage/index.js';
import { MiB, type Image, type ImageProfile } from '../model/index.js';
import { buildInitramfs } from './initramfs.js';
import { builtinFromModulesBuiltin, checkBootDrivers, requireBootDrivers } from './kernel/boot-drivers.js';
import { ensureDebianKernel, kernelVmlinux, type KernelTree } from './kernel/debian-kernel.js';
import { VMLINUX_FILE } from './kernel/vmlinux.js';
import { assembleWorkSeed } from './minimal/rootfs.js';
import type { ProfileBuildContext } from './profile.js';
import { removeUnmounted } from '../host/remove-unmounted.js';

/** What a profile adds on top of the shared boot pieces: its rootfs and kernel args. */
export interface ProfileRootfs {
  profile: ImageProfile;
  kernelArgs: string;
  /** Writes the rootfs image at `rootfsPath`; `scratch` is a private dir removed afterwards. */
  buildRootfs(args: { kernel: KernelTree; scratch: string; rootfsPath: string }): Promise<void>;
}

/**
 * The steps every built profile shares: the Debian cloud kernel (bzImage for
 * QEMU's default machine, its ELF vmlinux for Firecracker and QEMU microvm)
 * and a virtio initramfs from its modules, checked to bring up virtio-mmio,
 * the root disk and vsock; the profile's rootfs, and the work-disk seed
 * carrying banger's key, in a scratch dir that is removed whatever happens.
 */
export async function buildProfileImage(ctx: ProfileBuildContext, rootfs: ProfileRootfs): Promise<Image> {
  const { progress, signal, staging } = ctx;
  const kernel = await ensureDebianKernel({ cacheDir: ctx.cacheDir, signal, onProgress: progress });
  const scratch = await mkdtemp(join(ctx.cacheDir, `build-${staging.id.slice(0, 8)}-`));
  try {
    const kernelPath = join(staging.dir, 'vmlinuz');
    await copyFile(kernel.vmlinuzPath, kernelPath);
    const vmlinuxPath = join(staging.dir, VMLINUX_FILE);
    // A reflink where the filesystem has them: the cached vmlinux is ~50 MiB and never written again.
    await copyFile(await kernelVmlinux(kernel, { signal, onProgress: progress }), vmlinuxPath, constants.COPYFILE_FICLONE);
    progress('initramfs', `modules from ${kernel.release}`);
    const initrdPath = join(staging.dir, 'initrd.img');
    const initramfs = await buildInitramfs({ modulesDir: kernel.modulesDir, outPath: initrdPath, workDir: scratch, signal });
    const builtin = builtinFromModulesBuiltin(await readFile(join(kernel.modulesDir, 'modules.builtin'), 'utf8').catch(() => ''));
    requireBootDrivers(checkBootDrivers({ builtin, initramfs: initramfs.modules }), `kernel ${kernel.release} with its initramfs`);

    const rootfsPath = join(staging.dir, 'rootfs.ext4');
    await rootfs.buildRootfs({ kernel, scratch, rootfsPath });

    progress('work-seed', 'authorized_keys');
    const seedTree = join(scratch, 'work');
    await mkdir(seedTree);
    await assembleWorkSeed(seedTree, ctx.sshKey.publicKey);
    const workSeedPath = join(staging.dir, 'work-seed.ext4');
    await makeExt4({ path: workSeedPath, sizeBytes: 64 * MiB, fromDir: seedTree, label: 'banger-work', signal });

    return staging.record({
      name: ctx.name,
      profile: rootfs.profile,
      rootfsPath,
      workSeedPath,
      kernelPath,
      vmlinuxPath,
      initrdPath,
      kernelArgs: rootfs.kernelArgs,
      sshKeyFingerprint: ctx.sshKey.fingerprint,
    });
  } finally {
    // A killed mmdebstrap can leave its chroot's mounts behind; never delete through them.
    const { removed, mounts } = await removeUnmounted(scratch);
    if (!removed) progress('cleanup', `left ${scratch} in place: still mounted at ${mounts.join(', ')}`);
  }
}
