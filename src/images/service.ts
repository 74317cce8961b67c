import { rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { ConflictError } from '../errors/index.js';
import type { Layout } from '../host/layout.js';
import { checkImageName, formatImageSource, type Image, type ImageImportFormat, type ImageSource, type VMRecord } from '../model/index.js';
import { buildImage, profileForDefaultImage, type BuildImageOptions, type BuildProfile } from './build.js';
import { diskFullError } from '../host/disk-full.js';
import { mergeIntoImageJson } from './image-json.js';
import { checkImportSource, importImage, type ImportFormat, type ImportImageOptions } from './import/index.js';
import { detectFormat } from './import/layers.js';
import { describeTarError } from './import/sniff.js';
import { noProgress, type ProgressFn } from './progress.js';
import { parseBootablePlatform, parseReference, type ResolvedImage } from './pull/index.js';
import { pruneImageBlobs } from './pull/cache-prune.js';
import { defaultPullName, pullCacheDir, pullThenImport, resolveForPull, type Puller, type Resolver } from './pull/service-pull.js';

/** One progress event, as the daemon forwards it in an `image.progress` notification. */
export interface ImageProgressEvent {
  image: string;
  step: string;
  detail?: string;
}

/** The store tables the service touches (src/store's Store fits). */
export interface ImagesStorePort {
  images: {
    list(): Image[];
    getByName(name: string): Image | undefined;
    /** The image pulled as this manifest digest, if any (src/store ImagesRepo). */
    findByPulledDigest(digest: string): Image | undefined;
    find(ref: string): Image | undefined;
    resolve(ref: string): Image;
    insert(image: Image): void;
    delete(id: string): boolean;
  };
  vms: { list(): VMRecord[] };
  /** Runs fn atomically (better-sqlite3 transaction). */
  transaction<T>(fn: () => T): T;
}

export interface ImagesServiceOptions {
  layout: Pick<Layout, 'imagesDir' | 'cacheDir' | 'sshDir' | 'sshKeyPath'>;
  store: ImagesStorePort;
  /** config `default_image`: the image VMs get when they name none. */
  defaultImage: string;
  /** Profile the default image is built with on first use. @default the profile named like it (dev, debian), else minimal */
  defaultProfile?: BuildProfile;
  /** Every progress event of every build/import (the daemon broadcasts these to `image.progress` subscribers). */
  onProgress?: (e: ImageProgressEvent) => void;
  /** Replaceable for tests. */
  builder?: (opts: BuildImageOptions) => Promise<Image>;
  importer?: (opts: ImportImageOptions) => Promise<Image>;
  puller?: Puller;
  /** Asked before `puller`, and alone when the digest was pulled already. */
  resolver?: Resolver;
}

export interface BuildRequest {
  /** @default the profile name */
  name?: string;
  /** @default 'minimal' */
  profile?: BuildProfile;
  /** Replace an existing image of that name (refused while VMs use it). */
  force?: boolean;
}

export interface ImportRequest {
  name: string;
  source: string;
  format?: ImportFormat;
  /** Image whose kernel, initrd and kernel args the import boots with. @default the default image (built if needed) */
  kernelFrom?: string;
}

export interface PullRequest {
  /** An image reference: debian:bookworm, ghcr.io/o/r@sha256:…, localhost:5000/x:tag. */
  reference: string;
  /** @default the repository's last component and the tag, e.g. debian-bookworm */
  name?: string;
  /** @default linux/amd64 */
  platform?: string;
  /** As for import. @default the default image (built if needed) */
  kernelFrom?: string;
}

/** What `pull` did: `unchanged` when the registry's digest was pulled already (nothing downloaded, imported or built). */
export interface PullResult {
  image: Image;
  unchanged: boolean;
}

export interface CallOptions {
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * Images: list/get/delete/build/import over the `images` table and the
 * artifact dirs under `imagesDir`. A build or import either ends with a
 * committed dir *and* a row, or leaves neither; a full disk is reported
 * naming the disk. Builds of the same name are shared, so two VMs created
 * at once trigger one default-image build.
 */
export interface ImagesService {
  list(): Image[];
  /** By name or id. @throws NotFoundError naming `banger image list`. */
  get(ref: string): Image;
  /** @throws ConflictError naming the VMs that still use it. */
  delete(ref: string): Promise<{ deleted: string }>;
  build(req: BuildRequest, opts?: CallOptions): Promise<Image>;
  import(req: ImportRequest, opts?: CallOptions): Promise<Image>;
  /**
   * Asks the registry which manifest the reference names; when an image was
   * pulled as that digest already, returns it unchanged (whatever its name:
   * one image per digest). Otherwise pulls into the shared blob cache and
   * imports it like `import`.
   * @throws ConflictError `image.exists` when the name is taken by an image of another digest or source.
   */
  pull(req: PullRequest, opts?: CallOptions): Promise<PullResult>;
  /** The default image, built (with progress) when it does not exist yet. */
  ensureDefaultImage(onProgress?: ProgressFn, signal?: AbortSignal): Promise<Image>;
}

/** One rule for image names, shared with the CLI (src/model/names.ts). */
const checkName = checkImageName;

export function createImagesService(opts: ImagesServiceOptions): ImagesService {
  const { store, layout } = opts;
  const builder = opts.builder ?? buildImage;
  const importer = opts.importer ?? importImage;
  const inFlight = new Map<string, Promise<Image>>();

  const usersOf = (image: Image): VMRecord[] => store.vms.list().filter((v) => v.imageId === image.id);

  function progressFor(name: string, local?: ProgressFn): ProgressFn {
    return (step, detail) => {
      local?.(step, detail);
      try {
        opts.onProgress?.({ image: name, step, ...(detail !== undefined ? { detail } : {}) });
      } catch {
        // A listener's failure must not fail the build.
      }
    };
  }

  function refuseIfUsed(image: Image, what: string): void {
    const users = usersOf(image);
    if (users.length === 0) return;
    const names = users.map((v) => v.name);
    throw new ConflictError(`cannot ${what} image "${image.name}": used by VM${names.length > 1 ? 's' : ''} ${names.join(', ')}`, {
      code: 'image.in_use',
      hint: `delete ${names.length > 1 ? 'them' : 'it'} first: banger vm delete ${names.join(' ')}`,
    });
  }

  /** Removes an artifact dir, but only one banger made under imagesDir (paths come from the database). */
  async function removeArtifacts(image: Image): Promise<void> {
    if (!image.managed) return;
    const rel = relative(layout.imagesDir, image.artifactDir);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return;
    // Rename first so a crash mid-removal leaves a dot-dir, never a half image under its id.
    const trash = join(dirname(image.artifactDir), `.deleting-${image.id}`);
    await rename(image.artifactDir, trash).catch(() => undefined);
    await rm(trash, { recursive: true, force: true });
    await rm(image.artifactDir, { recursive: true, force: true });
  }

  /** Inserts the row for a committed image dir; on any failure the dir goes too. */
  async function commit(image: Image, replace?: Image): Promise<Image> {
    try {
      // The builder or importer wrote image.json before the service knew the source.
      if (image.source) await mergeIntoImageJson(image.artifactDir, { source: image.source });
      store.transaction(() => {
        if (replace) {
          refuseIfUsed(replace, 'replace');
          store.images.delete(replace.id);
        }
        store.images.insert(image);
      });
    } catch (e) {
      await removeArtifacts(image);
      throw e;
    }
    if (replace) await removeArtifacts(replace);
    return image;
  }

  async function translate<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw diskFullError(e, [layout.imagesDir], what) ?? e;
    }
  }

  function once(name: string, fn: () => Promise<Image>): Promise<Image> {
    const running = inFlight.get(name);
    if (running) return running;
    const p = fn().finally(() => inFlight.delete(name));
    inFlight.set(name, p);
    return p;
  }

  let pullsRunning = 0;

  /**
   * The deleted pulled image's blobs leave the cache unless another pulled
   * image names them. Skipped while a pull runs (a blob it just verified may
   * not be linked into its layout yet) and never an error: the cache is a cache.
   */
  async function pruneBlobs(manifestDigest: string): Promise<void> {
    if (pullsRunning > 0) return;
    const kept = store.images.list().flatMap((i) => (i.source?.kind === 'pull' ? [i.source.digest] : []));
    await pruneImageBlobs(pullCacheDir(layout.cacheDir), manifestDigest, kept).catch(() => undefined);
  }

  const service: ImagesService = {
    list: () => store.images.list(),

    get: (ref) => store.images.resolve(ref),

    async delete(ref) {
      const image = service.get(ref);
      refuseIfUsed(image, 'delete');
      // A VM created between the check and here would hit the FOREIGN KEY; the store turns that into an error, not a dangling row.
      store.transaction(() => {
        refuseIfUsed(image, 'delete');
        store.images.delete(image.id);
      });
      await removeArtifacts(image);
      if (image.source?.kind === 'pull') await pruneBlobs(image.source.digest);
      return { deleted: image.name };
    },

    build(req, call = {}) {
      const profile = req.profile ?? 'minimal';
      const name = req.name ?? profile;
      checkName(name);
      const existing = store.images.getByName(name);
      if (existing && !req.force) {
        return Promise.reject(
          new ConflictError(`image "${name}" already exists`, { code: 'image.exists', hint: `use it, or rebuild it: banger image build --name ${name} --force` }),
        );
      }
      if (existing) refuseIfUsed(existing, 'replace');
      return once(name, () =>
        translate(`building image "${name}"`, async () => {
          // The new image gets its own id and dir; the old one stays usable until the row swap in commit().
          const image = await builder({ layout, profile, name, onProgress: progressFor(name, call.onProgress), signal: call.signal });
          return commit({ ...image, name, source: { kind: 'profile', profile } }, existing);
        }),
      );
    },

    async import(req, call = {}) {
      checkName(req.name);
      if (store.images.getByName(req.name)) {
        throw new ConflictError(`image "${req.name}" already exists`, { code: 'image.exists', hint: `pick another name, or delete it first: banger image delete ${req.name}` });
      }
      // The source first: a missing path or a file that is not a tar fails in a moment, not after building the default image.
      const source = resolvePath(req.source);
      await checkImportSource(source);
      // Detected here, once, and passed on: the import then skips its own detection, and the row records what it imported.
      const format = req.format && req.format !== 'auto' ? req.format : await detectImportFormat(source);
      // A named base must exist now; the default one is built only once the import has a guest it can boot.
      const named = req.kernelFrom ? service.get(req.kernelFrom) : undefined;
      const boot = named ?? (() => service.ensureDefaultImage(call.onProgress, call.signal));
      return once(req.name, () =>
        translate(`importing image "${req.name}"`, async () => {
          const image = await importer({
            layout,
            name: req.name,
            source,
            format,
            kernelFrom: boot,
            onProgress: progressFor(req.name, call.onProgress),
            signal: call.signal,
          });
          return commit({ ...image, source: { kind: 'import', path: source, format } });
        }),
      );
    },

    async pull(req, call = {}) {
      // The reference, name and platform first: a typo fails in a moment, not after a registry round trip or building the default image.
      const ref = parseReference(req.reference);
      if (req.platform) parseBootablePlatform(req.platform);
      const name = req.name ?? defaultPullName(ref);
      checkName(name);
      // A named kernel image must exist now; the default one is built only once the pull has worked and the import has a guest it can boot.
      const named = req.kernelFrom ? service.get(req.kernelFrom) : undefined;
      const progress = progressFor(name, call.onProgress);
      const resolved = await resolveForPull({ ref: req.reference, ...(req.platform ? { platform: req.platform } : {}), ...(call.signal ? { signal: call.signal } : {}), ...(opts.resolver ? { resolver: opts.resolver } : {}) });

      // One image per manifest digest: its rootfs is the same bytes whatever it is called, so a second name would only be a second copy.
      const same = store.images.findByPulledDigest(resolved.manifestDigest);
      if (same) {
        const digest = shortDigest(resolved.manifestDigest);
        progress('pull.unchanged', same.name === name ? `already pulled as ${name} (${digest})` : `already pulled as ${same.name} (${digest}); not pulled again as ${name}: banger keeps one image per digest`);
        return { image: same, unchanged: true };
      }
      const existing = store.images.getByName(name);
      if (existing) throw nameTakenByOther(existing, resolved);

      const image = await once(name, () =>
        translate(`pulling image "${name}"`, async () => {
          pullsRunning++;
          try {
            const pulled = await pullThenImport(
            { ref: req.reference, resolved, cacheDir: layout.cacheDir, ...(req.platform ? { platform: req.platform } : {}), ...(call.signal ? { signal: call.signal } : {}), progress, ...(opts.puller ? { puller: opts.puller } : {}) },
            (source) =>
              importer({ layout, name, source, format: 'oci', kernelFrom: named ?? (() => service.ensureDefaultImage(call.onProgress, call.signal)), onProgress: progress, signal: call.signal }),
            );
            return commit({ ...pulled, source: pullSource(resolved) });
          } finally {
            pullsRunning--;
          }
        }),
      );
      return { image, unchanged: false };
    },

    async ensureDefaultImage(onProgress = noProgress, signal) {
      const existing = store.images.find(opts.defaultImage);
      if (existing) return existing;
      checkName(opts.defaultImage);
      const profile = opts.defaultProfile ?? profileForDefaultImage(opts.defaultImage);
      onProgress('default-image', `building "${opts.defaultImage}" (${profile} profile) on first use`);
      return once(opts.defaultImage, () =>
        translate(`building the default image "${opts.defaultImage}"`, async () => {
          const image = await builder({
            layout,
            profile,
            name: opts.defaultImage,
            onProgress: progressFor(opts.defaultImage, onProgress),
            signal,
          });
          return commit({ ...image, source: { kind: 'profile', profile } });
        }),
      );
    },
  };
  return service;
}

/** `sha256:` and the first 12 hex digits, as docker prints image ids. */
function shortDigest(digest: string): string {
  return `${digest.slice(0, 'sha256:'.length + 12)}…`;
}

function pullSource(r: ResolvedImage): ImageSource {
  return { kind: 'pull', reference: r.reference.canonical, digest: r.manifestDigest, platform: r.platform, ...(r.indexDigest ? { indexDigest: r.indexDigest } : {}) };
}

/** The name asked for holds another image: a tag that moved since it was pulled, or something built or imported. */
function nameTakenByOther(existing: Image, now: ResolvedImage): ConflictError {
  const ref = now.reference.canonical;
  const had = existing.source?.kind === 'pull' ? `pulled from ${existing.source.reference} as ${existing.source.digest}` : `from ${existing.source ? formatImageSource(existing.source) : existing.profile}`;
  return new ConflictError(`image "${existing.name}" already exists, ${had}; the registry now has ${now.manifestDigest} for ${ref} (${now.platform})`, {
    code: 'image.exists',
    hint: `replace it: banger image delete ${existing.name}, then pull again; or keep both: banger image pull ${ref} --name NEW`,
  });
}

/** detectFormat with the import's wording for a source that is not what it claims (a corrupt gzip, a truncated tar). */
async function detectImportFormat(source: string): Promise<ImageImportFormat> {
  try {
    return await detectFormat(source);
  } catch (e) {
    throw describeTarError(e, source);
  }
}
