import { access, mkdir, mkdtemp, open, readFile, rm, stat, truncate } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { HelperOpName, HelperOpParams, HelperOpResult } from '../model/helper-ops.js';
import type { PreparedStorage, StoragePort } from '../../machines/ports.js';
import { HostError } from '../errors/index.js';
import { diskFullError } from '../host/disk-full.js';
import { stageFileSync } from '../guest/file-sync/index.js';
import { KnownHosts } from '../guest/ssh/index.js';
import type { Layout } from '../host/layout.js';
import { allocatedBytes, createOverlay, createWorkDisk, removeOverlay, removeWorkDisk } from '../host/storage/index.js';
import type { FileSyncEntry, VMRecord } from '../model/index.js';
import { imageOf, requireArtifact, type ImageSource } from './image-lookup.js';

/**
 * StoragePort implementations. QEMU gets a qcow2 overlay backed by the image
 * rootfs (O(1) to create, reads nothing). Firecracker needs a raw block
 * device: a device-mapper snapshot (loop base + loop COW file) through the
 * root helper where the host has device-mapper, else a sparse copy of the
 * rootfs as the last resort. Both get the same ext4 work disk, seeded from
 * the image and grown offline to the VM's disk size at start (that is how
 * `vm set --disk-size` takes effect).
 */

/** The helper calls the dm path needs (PrivilegedOps fits). */
export interface StoragePrivilegedOps {
  call<O extends HelperOpName>(op: O, params: HelperOpParams<O>): Promise<HelperOpResult<O>>;
}

export interface StorageOptions {
  layout: Pick<Layout, 'vmsDir' | 'runtimeDir' | 'knownHostsPath'>;
  images: ImageSource;
  /** Config `[[file_sync]]`: copied onto each new work disk (src/guest/file-sync confines host paths to `home`). */
  fileSync?: { entries: readonly FileSyncEntry[]; home: string; onWarning?: (vm: VMRecord, message: string) => void };
}

export interface FirecrackerStorageOptions extends StorageOptions {
  /** Needed for the device-mapper path; without it the sparse copy is used. */
  privileged?: StoragePrivilegedOps;
  /** Is device-mapper usable? @default /dev/mapper/control exists and /proc/misc lists the driver */
  dmAvailable?: () => Promise<boolean>;
}

const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

/** The overlay's real format, read from its header (an existing overlay may predate a qemu-img install). */
async function diskFormat(path: string): Promise<'qcow2' | 'raw'> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    await fh.read(buf, 0, 4, 0);
    return buf.equals(QCOW2_MAGIC) ? 'qcow2' : 'raw';
  } finally {
    await fh.close();
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new HostError('storage preparation cancelled', { code: 'storage.aborted' });
}

async function prepareWorkDisk(opts: StorageOptions, vm: VMRecord, signal: AbortSignal): Promise<PreparedStorage['workDisk']> {
  const image = imageOf(opts.images, vm);
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

function common(opts: StorageOptions): Pick<StoragePort, 'destroy' | 'diskUsage'> {
  const knownHosts = new KnownHosts(opts.layout.knownHostsPath);
  return {
    async destroy(vm: VMRecord): Promise<void> {
      await removeOverlay(vm.runtime.systemOverlayPath);
      await removeWorkDisk(vm.runtime.workDiskPath);
      if (inside(opts.layout.vmsDir, vm.runtime.vmDir)) await rm(vm.runtime.vmDir, { recursive: true, force: true });
      const sockDir = dirname(vm.runtime.apiSockPath);
      if (inside(opts.layout.runtimeDir, sockDir)) await rm(sockDir, { recursive: true, force: true });
      // The VM is gone: a future VM reusing its name or IP must not trip the host-key check.
      await knownHosts.forget([vm.runtime.dnsName, vm.runtime.guestIP]);
    },
    async diskUsage(vm: VMRecord) {
      const bytes = (p: string) => allocatedBytes(p).catch(() => 0);
      return { systemOverlayBytes: await bytes(vm.runtime.systemOverlayPath), workDiskBytes: await bytes(vm.runtime.workDiskPath) };
    },
  };
}

/** QEMU: qcow2 overlay over the image rootfs (sparse copy only when qemu-img is missing). Idempotent. */
export function createQemuStorage(opts: StorageOptions): StoragePort {
  return {
    async prepare(vm, { signal }) {
      throwIfAborted(signal);
      const image = imageOf(opts.images, vm);
      await requireArtifact(image, 'rootfs', image.rootfsPath);
      return namingFullDisk(opts, vm, async () => {
        await makeVmDir(vm);
        await forgetHostKeyIfNewSystemDisk(opts, vm);
        const overlay = await createOverlay({
          backingPath: image.rootfsPath,
          overlayPath: vm.runtime.systemOverlayPath,
          sizeBytes: vm.spec.systemOverlaySizeBytes,
          kind: 'qcow2',
          signal,
        });
        throwIfAborted(signal);
        const workDisk = await prepareWorkDisk(opts, vm, signal);
        return { rootDisk: { path: overlay.path, format: await diskFormat(overlay.path) }, workDisk };
      });
    },
    ...common(opts),
  };
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
 * Firecracker: raw root device. With device-mapper: loop-attach the rootfs
 * read-only and the VM's sparse COW file, then a dm snapshot over them; the
 * releases (loops, dm) are announced so the actor's undo stack removes them
 * at stop. Without it: a sparse copy of the rootfs (kept across restarts).
 */
export function createFirecrackerStorage(opts: FirecrackerStorageOptions): StoragePort {
  const dmAvailable = opts.dmAvailable ?? dmControlExists;
  return {
    async prepare(vm, { signal, announce }) {
      throwIfAborted(signal);
      const image = imageOf(opts.images, vm);
      await requireArtifact(image, 'rootfs', image.rootfsPath);
      return namingFullDisk(opts, vm, async () => {
        await makeVmDir(vm);
        await forgetHostKeyIfNewSystemDisk(opts, vm);
        let rootDisk: PreparedStorage['rootDisk'];
        if (opts.privileged && (await dmAvailable())) {
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
          rootDisk = { path: dm.device, format: 'raw' };
        } else {
          const overlay = await createOverlay({
            backingPath: image.rootfsPath,
            overlayPath: vm.runtime.systemOverlayPath,
            sizeBytes: vm.spec.systemOverlaySizeBytes,
            kind: 'sparse-copy',
            signal,
          });
          rootDisk = { path: overlay.path, format: 'raw' };
        }
        throwIfAborted(signal);
        const workDisk = await prepareWorkDisk(opts, vm, signal);
        return { rootDisk, workDisk };
      });
    },
    ...common(opts),
  };
}
