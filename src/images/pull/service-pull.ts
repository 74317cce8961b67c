import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressFn } from '../progress.js';
import { writePulledLayout } from './layout.js';
import { pullImage, type LayerProgress, type PulledImage, type PullOptions } from './pull.js';
import type { ImageReference } from './reference.js';

/** The blob cache shared by every pull: `<cacheDir>/oci/blobs/sha256/<hex>`. */
const pullCacheDir = (cacheDir: string): string => join(cacheDir, 'oci');

export type Puller = (ref: string, opts: PullOptions) => Promise<PulledImage>;

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
 * Pulls `ref` into the shared cache, then runs `importLayout` on a
 * throwaway OCI layout of links into it (removed afterwards, whatever
 * happens). The import is `image import`'s, so its rules hold.
 */
export async function pullThenImport<T>(
  opts: { ref: string; cacheDir: string; platform?: string; signal?: AbortSignal; progress: ProgressFn; puller?: Puller },
  importLayout: (layoutDir: string, pulled: PulledImage) => Promise<T>,
): Promise<T> {
  const puller = opts.puller ?? pullImage;
  const pulled = await puller(opts.ref, {
    cacheDir: pullCacheDir(opts.cacheDir),
    ...(opts.platform ? { platform: opts.platform } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: layerProgress(opts.progress),
  });
  opts.progress('pull.done', `${pulled.reference.canonical} ${pulled.manifestDigest}`);
  const dir = await mkdtemp(join(opts.cacheDir, 'pull-'));
  try {
    await writePulledLayout(pulled, dir);
    return await importLayout(dir, pulled);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
