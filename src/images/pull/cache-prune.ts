import { readFile, rm, stat } from 'node:fs/promises';
import { blobPath } from './blobs.js';

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Frees the blob cache when a pulled image is deleted: its manifest, config
 * and layers go unless another pulled image's manifest names them too (a
 * shared base layer stays). Kept manifests are read from the cache; one that
 * cannot be read keeps nothing alive, as its image no longer needs the cache
 * (its rootfs is its own). Partials of unfinished pulls are left for resume.
 */
export async function pruneImageBlobs(cacheDir: string, goneManifest: string, keptManifests: readonly string[]): Promise<{ removed: number; bytes: number }> {
  const gone = await blobsOf(cacheDir, goneManifest);
  const kept = new Set<string>();
  for (const m of keptManifests) for (const d of await blobsOf(cacheDir, m)) kept.add(d);
  let removed = 0;
  let bytes = 0;
  for (const digest of gone) {
    if (kept.has(digest)) continue;
    const path = blobPath(cacheDir, digest);
    const size = await stat(path).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) continue;
    await rm(path, { force: true });
    removed++;
    bytes += size;
  }
  return { removed, bytes };
}

/** The manifest's own digest and every blob it names; just the digest when the manifest is gone or unreadable. */
async function blobsOf(cacheDir: string, manifestDigest: string): Promise<Set<string>> {
  const out = new Set([manifestDigest]);
  const body = await readFile(blobPath(cacheDir, manifestDigest)).catch(() => undefined);
  if (!body) return out;
  try {
    // Only the digests are needed (the manifest was checked when it was pulled), so no media type is required here.
    const m = JSON.parse(body.toString('utf8')) as { config?: { digest?: unknown }; layers?: { digest?: unknown }[] };
    for (const d of [m.config, ...(Array.isArray(m.layers) ? m.layers : [])]) if (typeof d?.digest === 'string' && DIGEST.test(d.digest)) out.add(d.digest);
  } catch {
    // Not JSON: only its own file is known to be this image's.
  }
  return out;
}
