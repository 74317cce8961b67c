import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { ensureSshKey } from '../../guest/keys.js';
import { diskFullError } from '../../host/disk-full.js';
import type { Layout } from '../../host/layout.js';
import { makeExt4, ownershipForCaller, type OwnershipSink } from '../../host/storage/index.js';
import { BangerError } from '../../errors/index.js';
import { GuestRoot, installSystemdKit } from '../guest-kit/index.js';
import { extractVmlinux, VMLINUX_FILE } from '../kernel/vmlinux.js';
import { MiB, newId, type Image } from '../../model/index.js';
import { assembleWorkSeed } from '../minimal/rootfs.js';
import { noProgress, type ProgressFn } from '../progress.js';
import { openStaging } from '../staging.js';
import { classifyGuest, requireBootable, withInit } from './guest-class.js';
import { detectFormat, dockerLayers, ociLayers, openTar, unpackOuter, verifyDigest, type ImportFormat, type Layer } from './layers.js';
import { RootWriter } from './root-writer.js';
import { describeTarError } from './sniff.js';

/** What an imported image boots with, borrowed from another image. */
type BootParts = Pick<Image, 'kernelPath' | 'vmlinuxPath' | 'initrdPath' | 'kernelArgs'>;

export interface ImportImageOptions {
  layout: Pick<Layout, 'imagesDir' | 'cacheDir' | 'sshDir' | 'sshKeyPath'>;
  name: string;
  /** OCI layout directory, OCI/docker-save tarball, or rootfs tarball (optionally gzip/zstd). */
  source: string;
  /** @default 'auto' */
  format?: ImportFormat;
  /** Boot parts (kernel and its vmlinux, initrd, kernel args) borrowed from an existing image, e.g. the minimal one. */
  kernelFrom: BootParts | (() => Promise<BootParts>);
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * Imports a container image or rootfs tarball as a banger image: layers are
 * flattened in order into a scratch root (whiteouts and opaque dirs applied,
 * ownership and modes kept, nothing written outside it), then written into
 * an ext4 rootfs with mkfs.ext4 -d (under fakeroot when not root, see
 * OwnershipSink). Before mkfs the guest is classified: a banger image is
 * kept as it is, a systemd one gets banger's guest kit and boots systemd,
 * anything else is refused (prepareGuest). Returns the Image record to
 * insert. A refused or failed import leaves no files behind.
 */
export async function importImage(opts: ImportImageOptions): Promise<Image> {
  const progress = opts.onProgress ?? noProgress;
  const sshKey = await ensureSshKey(opts.layout);
  await mkdir(opts.layout.cacheDir, { recursive: true });
  const staging = await openStaging(opts.layout.imagesDir, newId());
  const scratch = await mkdtemp(join(opts.layout.cacheDir, 'import-'));
  try {
    const format = !opts.format || opts.format === 'auto' ? await detectFormat(opts.source) : opts.format;
    progress('import.detect', format);
    const layers = await sourceLayers(opts.source, format, scratch, opts.signal);

    const root = join(scratch, 'rootfs');
    await mkdir(root, { mode: 0o755 });
    // Root sets owners on the scratch tree; anyone else records them for fakeroot at mkfs time.
    const ownership = ownershipForCaller();
    const writer = new RootWriter(root, { whiteouts: true, ownership });
    for (const layer of layers) {
      progress('import.layer', layer.label);
      await verifyDigest(layer);
      const ex = extract();
      (await openTar(layer.path)).pipe(ex);
      writer.beginLayer();
      for await (const entry of ex) await writer.apply(entry.header, entry, opts.signal);
      if (layer.whiteouts) await writer.endLayer();
    }
    await writer.finish();
    // After flattening (a hostile layer is refused for what it is first), before mkfs.
    const argsFor = await prepareGuest(root, ownership, sshKey.publicKey, progress);
    // Only now, for an image that boots: a lazy base (the default image, built on first use) is not built for a refused one.
    const boot = typeof opts.kernelFrom === 'function' ? await opts.kernelFrom() : opts.kernelFrom;
    const kernelArgs = argsFor(boot.kernelArgs);

    progress('rootfs.mkfs', 'ext4');
    const used = await treeBytes(root);
    const rootfsPath = join(staging.dir, 'rootfs.ext4');
    const size = Math.max(256 * MiB, Math.ceil((used * 1.3 + 64 * MiB) / MiB) * MiB);
    await makeExt4({ path: rootfsPath, sizeBytes: size, fromDir: root, ownership, label: 'banger-root', signal: opts.signal });

    const seed = join(scratch, 'work');
    await mkdir(seed);
    await assembleWorkSeed(seed, sshKey.publicKey);
    const workSeedPath = join(staging.dir, 'work-seed.ext4');
    await makeExt4({ path: workSeedPath, sizeBytes: 64 * MiB, fromDir: seed, label: 'banger-work', signal: opts.signal });

    const kernelPath = join(staging.dir, 'vmlinuz');
    await copyFile(boot.kernelPath, kernelPath);
    const vmlinuxPath = await borrowVmlinux(boot, staging.dir, progress, opts.signal);
    let initrdPath: string | undefined;
    if (boot.initrdPath) {
      initrdPath = join(staging.dir, 'initrd.img');
      await copyFile(boot.initrdPath, initrdPath);
    }
    const image = await staging.commit(
      staging.record({
        name: opts.name,
        profile: 'imported',
        rootfsPath,
        workSeedPath,
        kernelPath,
        vmlinuxPath,
        initrdPath,
        kernelArgs,
        sshKeyFingerprint: sshKey.fingerprint,
      }),
    );
    progress('done', `${image.name} (${image.id.slice(0, 8)})`);
    return image;
  } catch (e) {
    await staging.discard();
    const err = describeTarError(e, opts.source);
    throw diskFullError(err, [opts.layout.imagesDir, opts.layout.cacheDir], `importing image ${opts.name}`) ?? err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Classifies the flattened guest (src/images/import/guest-class.ts) and makes
 * it one banger can reach: a banger image as it is; a systemd image gets
 * banger's guest kit (network from `ip=`, sshd with banger's key, the work
 * disk, the agent) and boots straight into systemd; anything else is refused,
 * saying what it lacks. Returns the image's kernel args.
 */
/** Classifies the flattened guest (refusing one banger cannot boot), installs the kit a systemd guest needs, and says how the base's kernel args change. */
async function prepareGuest(root: string, ownership: OwnershipSink, authorizedKey: string, progress: ProgressFn): Promise<(args: string | undefined) => string | undefined> {
  const guest = requireBootable(await classifyGuest(root));
  if (guest.kind === 'banger') {
    progress('import.guest', 'banger image');
    return (args) => args;
  }
  await installSystemdKit(new GuestRoot(root, ownership), { authorizedKey, profile: 'imported', imported: true });
  progress('import.guest', "systemd: banger's network, sshd and agent units installed");
  return (args) => withInit(args ?? '', guest.init);
}

/**
 * The base image's vmlinux (a reflink or copy), or one extracted from its
 * vmlinuz when the base has none. A kernel that cannot be extracted does not
 * fail the import: the image still boots under QEMU's default machine, and a
 * VMM that needs the ELF refuses it naming the fix (image.no_vmlinux).
 */
async function borrowVmlinux(base: BootParts, dir: string, progress: ProgressFn, signal?: AbortSignal): Promise<string | undefined> {
  const out = join(dir, VMLINUX_FILE);
  if (base.vmlinuxPath) {
    await copyFile(base.vmlinuxPath, out, constants.COPYFILE_FICLONE);
    return out;
  }
  try {
    const done = await extractVmlinux(base.kernelPath, out, signal);
    progress('kernel.vmlinux', `extracted (${done.compression}, ${done.ms} ms)`);
    return out;
  } catch (e) {
    if (!(e instanceof BangerError)) throw e;
    progress('kernel.vmlinux', `none: ${e.message}`);
    return undefined;
  }
}

async function sourceLayers(source: string, format: Exclude<ImportFormat, 'auto'>, scratch: string, signal?: AbortSignal): Promise<Layer[]> {
  if (format === 'tar') return [{ label: 'rootfs', path: source, whiteouts: false }];
  const st = await lstat(source);
  let dir = source;
  if (!st.isDirectory()) {
    dir = join(scratch, 'outer');
    await mkdir(dir);
    await unpackOuter(source, dir, signal);
  }
  return format === 'oci' ? ociLayers(dir) : dockerLayers(dir);
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = await lstat(p);
    total += Math.max(4096, Math.ceil(st.size / 4096) * 4096);
    if (e.isDirectory()) total += await treeBytes(p);
  }
  return total;
}
