import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { runStatus } from './exec/index.js';
import { mountsUnder, readMountPoints } from './mountinfo.js';

/** The mount table and umount, replaceable in tests. */
export interface MountOps {
  /** Mount points of this process's namespace (/proc/self/mountinfo field 5, octal escapes undone). */
  mountPoints(): Promise<string[]>;
  /** Detaches one mount (lazily: a busy one still leaves the tree). */
  unmount(path: string): Promise<void>;
}

export const realMountOps: MountOps = {
  mountPoints: readMountPoints,
  async unmount(path) {
    await runStatus('umount', ['-l', path]);
  },
};

/**
 * Removes a scratch tree that a killed tool may have left mounts in (a
 * mmdebstrap chroot keeps /proc, /sys and the host's /dev/shm bound inside
 * it): a recursive rm does not stop at mount points, so it would delete host
 * files through a bind. Mounts under `dir` are detached deepest first; if any
 * is still there the tree is left in place (a leak is better than deleting
 * through it) and the caller is told which.
 */
export async function removeUnmounted(dir: string, ops: MountOps = realMountOps): Promise<{ removed: boolean; mounts: string[] }> {
  const root = resolve(dir);
  // In the mount table's order, as reported.
  const under = async () => {
    const table = await ops.mountPoints();
    const inside = new Set(mountsUnder(table, root));
    return table.filter((m) => inside.has(m));
  };
  const found = await under();
  // Deepest first: a mount inside another must go before its parent.
  for (const m of mountsUnder(found, root)) await ops.unmount(m).catch(() => undefined);
  const left = found.length ? await under() : [];
  if (left.length) return { removed: false, mounts: left };
  await rm(root, { recursive: true, force: true });
  return { removed: true, mounts: found };
}
