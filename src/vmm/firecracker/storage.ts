import { access, mkdir, open, readFile, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HelperOpName, HelperOpParams, HelperOpResult } from '../../model/helper-ops.js';
import type { StoragePort } from '../../../machines/ports.js';
import { createOverlay } from '../../host/storage/index.js';
import type { VMRecord } from '../../model/index.js';
import { reflinkFile } from './reflink.js';
import type { JailSettings } from './jail.js';
import { createDiskStorage, throwIfAborted, type StorageOptions } from '../storage.js';

/** The helper calls the dm path needs (PrivilegedOps fits). */
export interface StoragePrivilegedOps {
  call<O extends HelperOpName>(op: O, params: HelperOpParams<O>): Promise<HelperOpResult<O>>;
}

export interface FirecrackerStorageOptions extends StorageOptions {
  /** Needed for the device-mapper path; without it the sparse copy is used. */
  privileged?: StoragePrivilegedOps;
  /** Is device-mapper usable? @default /dev/mapper/control exists and /proc/misc lists the driver */
  dmAvailable?: () => Promise<boolean>;
  /** With the jailer: a deleted VM's jail goes too (after a crash nothing else removes it). */
  jail?: Pick<JailSettings, 'chrootBase' | 'ops'>;
}

/**
 * Usable device-mapper: the control node and the kernel driver (listed in /proc/misc). A node
 * without the driver exists on some hosts (this CI machine); the helper refuses dm there, so that
 * host takes the sparse copy rather than failing every start.
 */
async function dmControlExists(): Promise<boolean> {
  try {
    await access('/dev/mapper/control');
    return /\bdevice-mapper\b/.test(await readFile('/proc/misc', 'utf8'));
  } catch {
    return false;
  }
}

/** Device-mapper names are global on the host: one per VM, derived from its id. */
export function dmNameFor(vm: Pick<VMRecord, 'id'>): string {
  return `banger-${vm.id.slice(0, 12)}`;
}

/**
 * Firecracker needs a raw root device. With device-mapper: loop-attach the
 * rootfs read-only and the VM's sparse COW file, then a dm snapshot over
 * them; the releases (loops, dm) are announced so the actor's undo stack
 * removes them at stop. Without it: a sparse copy of the rootfs (kept across
 * restarts).
 */
export function createFirecrackerStorage(opts: FirecrackerStorageOptions): StoragePort {
  const dmAvailable = opts.dmAvailable ?? dmControlExists;
  // Raw disks only: a fork's or restore's disks are reflink clones of the snapshot's (XFS or btrfs).
  const disks = createDiskStorage({ ...opts, layer: (frozen, path) => reflinkFile(frozen, path) }, async (vm, image, { signal, announce }) => {
    if (!opts.privileged || !(await dmAvailable())) {
      const overlay = await createOverlay({
        backingPath: image.rootfsPath,
        overlayPath: vm.runtime.systemOverlayPath,
        sizeBytes: vm.spec.systemOverlaySizeBytes,
        kind: 'sparse-copy',
        signal,
      });
      return { path: overlay.path, format: 'raw' };
    }
    const ops = opts.privileged;
    const cowPath = vm.runtime.systemOverlayPath;
    const originBytes = (await stat(image.rootfsPath)).size;
    if (!(await stat(cowPath).catch(() => undefined))) {
      await mkdir(dirname(cowPath), { recursive: true });
      const fh = await open(cowPath, 'wx', 0o600);
      await fh.close();
      // Sparse: the COW store only occupies what the guest changes.
      await truncate(cowPath, Math.max(vm.spec.systemOverlaySizeBytes, originBytes));
    }
    throwIfAborted(signal);
    // A loop device's name is only known once attached, so it is announced right after.
    const base = await ops.call('loop.attach', { path: image.rootfsPath, readOnly: true });
    announce({ kind: 'loop', device: base.device });
    throwIfAborted(signal);
    const cow = await ops.call('loop.attach', { path: cowPath, readOnly: false });
    announce({ kind: 'loop', device: cow.device });
    throwIfAborted(signal);
    const name = dmNameFor(vm);
    announce({ kind: 'dm', name });
    const dm = await ops.call('dm.snapshotCreate', { name, originDevice: base.device, cowDevice: cow.device, sectors: Math.ceil(originBytes / 512) });
    announce({ kind: 'dm', name, device: dm.device });
    return { path: dm.device, format: 'raw' };
  });
  const jail = opts.jail;
  if (!jail) return disks;
  return {
    ...disks,
    async destroy(vm) {
      // Every exec name under the base: the binary may have changed since the VM last ran.
      await jail.ops.call('jail.remove', { vmId: vm.id, chrootBase: jail.chrootBase });
      await disks.destroy(vm);
    },
  };
}
