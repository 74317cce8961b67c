import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { HostError } from '../../errors/index.js';
import { run, which } from '../exec/index.js';
import { pathExists } from '../path-exists.js';

/**
 * Per-VM copy-on-write system overlay over an image's read-only rootfs.
 * QEMU: a qcow2 file whose backing file is the raw rootfs (creation is O(1),
 * it does not read the image). Without qemu-img (or for a VMM that cannot read
 * qcow2) the last resort is a sparse copy. The device-mapper snapshot for
 * Firecracker is the root helper's operation, not this module's.
 */

export type OverlayKind = 'qcow2' | 'sparse-copy';

export interface CreateOverlayOptions {
  /** Absolute path of the image's raw rootfs (never written). */
  backingPath: string;
  /** The backing file's format: an image rootfs is raw, a snapshot's frozen layer may be qcow2. @default 'raw' */
  backingFormat?: 'raw' | 'qcow2';
  overlayPath: string;
  /** Virtual size of the overlay; defaults to the backing file's size. Never smaller than it. */
  sizeBytes?: number;
  /** Preferred kind; 'qcow2' falls back to 'sparse-copy' when qemu-img is missing. @default 'qcow2' */
  kind?: OverlayKind;
  signal?: AbortSignal;
}

export interface Overlay {
  path: string;
  kind: OverlayKind;
  /** What the VMM must be told the file format is. */
  format: 'qcow2' | 'raw';
}

/**
 * Creates the overlay. Idempotent: an existing overlay at overlayPath is kept
 * as it is (it holds the VM's system changes). Writes to a temp name and
 * renames, so a failure never leaves a half-made overlay.
 */
export async function createOverlay(opts: CreateOverlayOptions): Promise<Overlay> {
  if (!isAbsolute(opts.backingPath)) {
    throw new HostError(`overlay backing path must be absolute: ${opts.backingPath}`, { hint: 'pass the image rootfs as an absolute path' });
  }
  const backing = await stat(opts.backingPath).catch(() => undefined);
  if (!backing?.isFile()) {
    throw new HostError(`image rootfs ${opts.backingPath} does not exist`, {
      hint: 'rebuild or re-import the image (banger image build)',
      code: 'storage.backing_missing',
    });
  }
  // A qcow2 backing (a snapshot's frozen layer) is small on disk: its guest-visible size is in its header.
  const backingSize = (opts.backingFormat ?? 'raw') === 'qcow2' ? await qcow2VirtualSize(opts.backingPath) : backing.size;
  const size = Math.max(opts.sizeBytes ?? backingSize, backingSize);
  let kind: OverlayKind = opts.kind ?? 'qcow2';
  if (kind === 'qcow2' && !(await which('qemu-img'))) kind = 'sparse-copy';
  const format = kind === 'qcow2' ? 'qcow2' : 'raw';

  if (await pathExists(opts.overlayPath)) return { path: opts.overlayPath, kind, format };

  await mkdir(dirname(opts.overlayPath), { recursive: true });
  const tmp = `${opts.overlayPath}.tmp-${process.pid}`;
  try {
    if (kind === 'qcow2') {
      await run(
        'qemu-img',
        ['create', '-q', '-f', 'qcow2', '-F', opts.backingFormat ?? 'raw', '-b', opts.backingPath, tmp, String(size)],
        { signal: opts.signal, hint: 'install qemu-utils (apt-get install qemu-utils)' },
      );
    } else {
      await run('cp', ['--sparse=always', '--reflink=auto', opts.backingPath, tmp], { signal: opts.signal });
      if (size > backing.size) await run('truncate', ['-s', String(size), tmp], { signal: opts.signal });
    }
    await rename(tmp, opts.overlayPath);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { path: opts.overlayPath, kind, format };
}

const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

/** A disk file's real format, read from its header ("QFI\xfb" is qcow2; anything else is used raw). */
export async function diskFormat(path: string): Promise<'qcow2' | 'raw'> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    await fh.read(buf, 0, 4, 0);
    return buf.equals(QCOW2_MAGIC) ? 'qcow2' : 'raw';
  } finally {
    await fh.close();
  }
}

/** The disk size a qcow2 image shows its guest (header bytes 24-31, big-endian). */
export async function qcow2VirtualSize(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(32);
    await fh.read(buf, 0, 32, 0);
    if (!buf.subarray(0, 4).equals(QCOW2_MAGIC)) throw new HostError(`${path} is not a qcow2 image`, { code: 'storage.not_qcow2', hint: 'the snapshot file is damaged: delete the snapshot and take a new one' });
    return Number(buf.readBigUInt64BE(24));
  } finally {
    await fh.close();
  }
}

/** Removes an overlay. Idempotent. */
export async function removeOverlay(overlayPath: string): Promise<void> {
  await rm(overlayPath, { force: true });
  await rm(`${overlayPath}.tmp-${process.pid}`, { force: true });
}


