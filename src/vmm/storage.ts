import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { PreparedStorage, StoragePort } from '../../machines/ports.js';
import { HostError } from '../errors/index.js';
import { diskFullError } from '../host/disk-full.js';
import { stageFileSync } from '../guest/file-sync/index.js';
import { KnownHosts } from '../guest/ssh/index.js';
import type { Layout } from '../host/layout.js';
import { allocatedBytes, createOverlay, createWorkDisk, diskFormat, removeOverlay, removeWorkDisk } from '../host/storage/index.js';
import type { FileSyncEntry, Image, VMRecord } from '../model/index.js';
import type { SnapshotSource } from './restore.js';
import type { VmmDiskFreeze } from '../model/vmm.js';
import { imageOf, requireArtifact, type ImageSource } from './image-lookup.js';

/**
 * What the real VMMs' storage shares: the VM dir, the ext4 work disk (seeded
 * from the image and grown offline to the VM's disk size at start, which is
 * how `vm set --disk-size` takes effect), removal and disk usage. Each kind
 * makes only its root disk (src/vmm/<kind>/storage.ts).
 */

export interface StorageOptions {
  layout: Pick<Layout, 'vmsDir' | 'runtimeDir' | 'knownHostsPath'>;
  images: ImageSource;
  /** Snapshot rows by id: a fork's or restore's disks are layered on one. */
  snapshots?: SnapshotSource;
  /**
   * How a fork's or restore's disk is made from a snapshot's frozen one.
   * @default a new qcow2 layer on it (QEMU); Firecracker, whose disks are raw, passes a reflink clone.
   */
  layer?: (frozenPath: string, path: string, signal: AbortSignal) => Promise<void>;
  /** Config `[[file_sync]]`: copied onto each new work disk (src/guest/file-sync confines host paths to `home`). */
  fileSync?: { entries: readonly FileSyncEntry[]; home: string; onWarning?: (vm: VMRecord, message: string) => void };
}

/** One kind's root disk, made inside the VM dir (idempotent); devices it holds are announced for release at stop. */
export type RootDiskMaker = (vm: VMRecord, image: Image, step: Parameters<StoragePort['prepare']>[1]) => Promise<PreparedStorage['rootDisk']>;

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new HostError('storage preparation cancelled', { code: 'storage.aborted' });
}

async function prepareWorkDisk(opts: StorageOptions, vm: VMRecord, image: Image, signal: AbortSignal): Promise<PreparedStorage['workDisk']> {
  // A work disk layered on a snapshot is a qcow2 file: it keeps the size it was frozen at.
  if ((await stat(vm.runtime.workDiskPath).catch(() => undefined)) && (await diskFormat(vm.runtime.workDiskPath)) === 'qcow2') {
    return { path: vm.runtime.workDiskPath, format: 'qcow2' };
  }
  if (image.workSeedPath) await requireArtifact(image, 'work-disk seed', image.workSeedPath);
  const sync = opts.fileSync;
  const fresh = !(await stat(vm.runtime.workDiskPath).catch(() => undefined));
  if (!sync || sync.entries.length === 0 || !fresh) {
    await createWorkDisk({ path: vm.runtime.workDiskPath, sizeBytes: vm.spec.workDiskSizeBytes, seedPath: image.workSeedPath, signal });
    return { path: vm.runtime.workDiskPath, format: 'raw' };
  }
  // Staged next to the disk (same filesystem, inside banger's layout), removed whatever happens.
  const staging = await mkdtemp(join(vm.runtime.vmDir, 'file-sync-'));
  try {
    const outcome = await stageFileSync(sync.entries, sync.home, staging);
    for (const w of outcome.warnings) sync.onWarning?.(vm, w);
    await createWorkDisk({ path: vm.runtime.workDiskPath, sizeBytes: vm.spec.workDiskSizeBytes, seedPath: image.workSeedPath, populateFrom: staging, signal });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { path: vm.runtime.workDiskPath, format: 'raw' };
}

/**
 * Creates the VM's directory, the leaf without `recursive`: Node 20's async
 * recursive mkdir reports ENOSPC as ENOENT, which hid a full disk behind
 * "no such file or directory".
 */
async function makeVmDir(vm: VMRecord): Promise<void> {
  await mkdir(dirname(vm.runtime.vmDir), { recursive: true, mode: 0o700 });
  await mkdir(vm.runtime.vmDir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/**
 * A VM whose system disk is about to be made from scratch (first start, or its
 * directory was deleted) boots with new SSH host keys (they live in /etc on
 * that disk): drop the old pin, or the next connection fails as "host key
 * changed, someone may be intercepting" after banger itself made the disk.
 */
async function forgetHostKeyIfNewSystemDisk(opts: StorageOptions, vm: VMRecord): Promise<void> {
  if (await stat(vm.runtime.systemOverlayPath).catch(() => undefined)) return;
  await new KnownHosts(opts.layout.knownHostsPath).forget([vm.runtime.dnsName, vm.runtime.guestIP]);
}

/** Runs a prepare body, turning an out-of-space failure (errno or mkfs/qemu-img output) into one that names the disk and the fix. */
async function namingFullDisk<T>(opts: StorageOptions, vm: VMRecord, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw diskFullError(err, [opts.layout.vmsDir], `preparing storage for VM ${vm.name}`) ?? err;
  }
}

/** True when `child` is strictly inside `parent` (guards recursive removal of paths read from the database). */
function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * A fork or restore not yet started: its system and work disks become new,
 * empty qcow2 layers on the snapshot's frozen files (O(1) in disk size).
 */
async function layerOnSnapshot(opts: StorageOptions, vm: VMRecord, signal: AbortSignal): Promise<void> {
  const id = vm.runtime.restoreFrom;
  if (!id) return;
  const snap = opts.snapshots?.get(id);
  if (!snap) {
    throw new HostError(`VM ${vm.name} is to start from snapshot ${id}, which no longer exists`, {
      code: 'snapshot.missing',
      hint: `delete the VM (banger vm delete ${vm.name}) or restore it from another snapshot`,
    });
  }
  for (const [backing, path] of [[snap.files.systemDisk, vm.runtime.systemOverlayPath], [snap.files.workDisk, vm.runtime.workDiskPath]] as const) {
    // Always fresh: a start that failed after the guest ran has written to the old layers, and a saved state needs the disks as they were.
    await rm(path, { force: true });
    if (opts.layer) await opts.layer(backing, path, signal);
    else await createOverlay({ backingPath: backing, backingFormat: await diskFormat(backing), overlayPath: path, signal });
  }
}

/** A stopped VM's disks frozen into a snapshot: each moves to `frozenPath` and the VM gets a new empty layer on it. */
export async function freezeStoppedDisks(disks: readonly VmmDiskFreeze[]): Promise<void> {
  for (const d of disks) {
    const format = await diskFormat(d.activePath);
    await rename(d.activePath, d.frozenPath);
    try {
      await createOverlay({ backingPath: d.frozenPath, backingFormat: format, overlayPath: d.activePath });
    } catch (err) {
      await rename(d.frozenPath, d.activePath).catch(() => undefined);
      throw err;
    }
  }
}

/** StoragePort for a real VMM: VM dir, then `rootDisk`, then the work disk; prepare is idempotent. */
export function createDiskStorage(opts: StorageOptions, rootDisk: RootDiskMaker): StoragePort {
  const knownHosts = new KnownHosts(opts.layout.knownHostsPath);
  return {
    async prepare(vm, step) {
      throwIfAborted(step.signal);
      const image = imageOf(opts.images, vm);
      await requireArtifact(image, 'rootfs', image.rootfsPath);
      return namingFullDisk(opts, vm, async () => {
        await makeVmDir(vm);
        await forgetHostKeyIfNewSystemDisk(opts, vm);
        await layerOnSnapshot(opts, vm, step.signal);
        const root = await rootDisk(vm, image, step);
        throwIfAborted(step.signal);
        return { rootDisk: root, workDisk: await prepareWorkDisk(opts, vm, image, step.signal) };
      });
    },
    async destroy(vm: VMRecord): Promise<void> {
      await removeOverlay(vm.runtime.systemOverlayPath);
      await removeWorkDisk(vm.runtime.workDiskPath);
      if (inside(opts.layout.vmsDir, vm.runtime.vmDir)) await rm(vm.runtime.vmDir, { recursive: true, force: true });
      const sockDir = dirname(vm.runtime.apiSockPath);
      if (inside(opts.layout.runtimeDir, sockDir)) await rm(sockDir, { recursive: true, force: true });
      // The VM is gone: a future VM reusing its name or IP must not trip the host-key check.
      await knownHosts.forget([vm.runtime.dnsName, vm.runtime.guestIP]);
    },
    freeze: (_vm, disks) => freezeStoppedDisks(disks),
    async diskUsage(vm: VMRecord) {
      const bytes = (p: string) => allocatedBytes(p).catch(() => 0);
      return { systemOverlayBytes: await bytes(vm.runtime.systemOverlayPath), workDiskBytes: await bytes(vm.runtime.workDiskPath) };
    },
  };
}
