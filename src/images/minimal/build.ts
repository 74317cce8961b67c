import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeExt4 } from '../../host/storage/index.js';
import { MiB, type Image } from '../../model/index.js';
import type { ProfileBuildContext } from '../profile.js';
import { buildProfileImage } from '../profile-build.js';
import { assembleMinimalRootfs } from './rootfs.js';

/** Kernel args the minimal image needs; network and console are added per VM. */
export const MINIMAL_KERNEL_ARGS = 'root=/dev/vda rw init=/sbin/init';

/**
 * minimal profile: Debian cloud kernel + busybox initramfs + an ext4 rootfs
 * with busybox init, dropbear and the agent. Boots to SSH in seconds under TCG.
 */
export async function buildMinimal(ctx: ProfileBuildContext): Promise<Image> {
  return buildProfileImage(ctx, {
    profile: 'minimal',
    kernelArgs: MINIMAL_KERNEL_ARGS,
    async buildRootfs({ scratch, rootfsPath }) {
      ctx.progress('rootfs.assemble', 'busybox, dropbear, agent');
      const rootTree = join(scratch, 'rootfs');
      await mkdir(rootTree);
      await assembleMinimalRootfs({ dir: rootTree, authorizedKey: ctx.sshKey.publicKey, signal: ctx.signal });
      ctx.progress('rootfs.mkfs', 'ext4');
      // Sparse: the file's apparent size is headroom for the guest, not disk use.
      await makeExt4({ path: rootfsPath, sizeBytes: 256 * MiB, fromDir: rootTree, label: 'banger-root', signal: ctx.signal });
    },
  });
}
