import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressFn } from '../progress.js';
import { writePulledLayout } from './layout.js';
import { pullImage, resolveImage, type LayerProgress, type PulledImage, type PullOptions, type ResolvedImage, type ResolveOptions } from './pull.js';
import type { ImageReference } from './reference.js';

/** The blob cache shared by every pull: `<cacheDir>/oci/blobs/sha256/<hex>`. */
export const pullCacheDir = (cacheDir: string): string => join(cacheDir, 'oci');

/** The download seam (pullImage): tests script it, the real-registry test runs it in a network namespace. */
export type Puller = (ref: string, opts: PullOptions) => Promise<PulledImage>;
/** The cheap seam before it (resolveImage): which manifest digest the reference names now, no blob fetched. */
export type Resolver = (ref: string, opts: ResolveOptions) => Promise<ResolvedImage>;

/** resolveImage, or the test's resolver, with the service's platform and signal. */
export function resolveForPull(opts: { ref: string; platform?: string; signal?: AbortSignal; resolver?: Resolver }): Promise<ResolvedImage> {
  return (opts.resolver ?? resolveImage)(opts.ref, { ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
}

/**
 * The name an image pulled without --name gets: the repository's last
 * component and the tag (debian-bookworm), or the first 12 hex digits of a
 * pinned digest, cut to the image-name rules.
 */
export function defaultPullName(ref: ImageReference): string {
  const base = ref.repository.split('/').pop()!;
  const suffix = ref.digest ? ref.digest.slice('sha256:'.length, 'sha256:'.length + 12) : ref.tag!;
  return `${base}-${suffix}`.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 63);
}

/**
 * Progress per layer as `pull.layer` steps, at most one per tenth of a
 * layer (and its end), so a long download says how far it is without
 * flooding the connection that asked.
 */
export function layerProgress(progress: ProgressFn): (p: LayerProgress) => void {
  const last = new Map<string, number>();
  return (p) => {
    const tenth = p.total > 0 ? Math.floor((p.done * 10) / p.total) : 10;
    if (last.get(p.digest) === tenth) return;
    last.set(p.digest, tenth);
    const what = p.layer < 0 ? 'config' : `layer ${p.layer + 1}/${p.layers}`;
    progress('pull.layer', `${what} ${p.digest.slice(7, 19)} ${p.done}/${p.total} bytes`);
  };
}

/**
 * Pulls `ref` as `resolved` named it into the shared cache, then runs
 * `importLayout` on a throwaway OCI layout of links into it (removed
 * afterwards, whatever happens). The import is `image import`'s, so its
 * rules hold.
 */
export async function pullThenImport<T>(
  opts: { ref: string; resolved: ResolvedImage; cacheDir: string; platform?: string; signal?: AbortSignal; progress: ProgressFn; puller?: Puller },
  importLayout: (layoutDir: string, pulled: PulledImage) => Promise<T>,
): Promise<T> {
  const puller = opts.puller ?? pullImage;
  const pulled = await puller(opts.ref, {
    cacheDir: pullCacheDir(opts.cacheDir),
    resolved: opts.resolved,
    ...(opts.platform ? { platform: opts.platform } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: layerProgress(opts.progress),
  });
  opts.progress('pull.done', `${pulled.reference.canonical} ${pulled.manifestDigest}`);
  // Made here, not left to the puller's blob writes: a scripted puller (tests) writes none.
  await mkdir(opts.cacheDir, { recursive: true });
  const dir = await mkdtemp(join(opts.cacheDir, 'pull-'));
  try {
    await writePulledLayout(pulled, dir);
    return await importLayout(dir, pulled);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
