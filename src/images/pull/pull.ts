import { createHash } from 'node:crypto';
import { authFilePaths, readCredentials, type Credentials } from './auth.js';
import { fetchBlob, storeVerified, type BlobProgress } from './blobs.js';
import { badManifest, digestMismatch } from './errors.js';
import { choosePlatform, formatPlatform, layerSupported, parseManifest, parsePlatformOption, type Descriptor, type ImageManifest } from './manifest.js';
import { parseReference, type ImageReference } from './reference.js';
import { RegistryClient, type FetchFn } from './registry.js';

/**
 * Pulls one image into the blob cache: resolves the reference to a manifest
 * (through an index to one platform's), then makes sure the config and
 * every layer are cached and verified. Returns where they are; building the
 * image from them is the import's job.
 */

export interface PullOptions {
  /** Root of the shared cache: blobs land under `<cacheDir>/blobs/sha256/`. */
  cacheDir: string;
  /** os/arch[/variant]; linux/amd64 by default. */
  platform?: string;
  fetch?: FetchFn;
  /** Credentials to use; when absent they are looked up in `authFiles`. */
  credentials?: Credentials;
  authFiles?: string[];
  scheme?: 'http' | 'https';
  signal?: AbortSignal;
  /** Per layer (and the config), bytes done of total, as they arrive. */
  onProgress?: (p: LayerProgress) => void;
}

export interface LayerProgress extends BlobProgress {
  /** 0-based index among the layers; -1 for the config. */
  layer: number;
  layers: number;
}

export interface PulledBlob {
  digest: string;
  mediaType: string;
  size: number;
  path: string;
}

export interface PulledImage {
  reference: ImageReference;
  /** Digest of the image manifest (one platform's). */
  manifestDigest: string;
  /** Digest of the index the reference named, when it named one. */
  indexDigest?: string;
  platform: string;
  manifest: PulledBlob;
  config: PulledBlob;
  layers: PulledBlob[];
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function pullImage(refText: string, opts: PullOptions): Promise<PulledImage> {
  const ref = parseReference(refText);
  const platform = parsePlatformOption(opts.platform ?? 'linux/amd64');
  const credentials = opts.credentials ?? (await readCredentials(ref.registry, opts.authFiles ?? authFilePaths()));
  const client = new RegistryClient(ref, {
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(credentials ? { credentials } : {}),
    ...(opts.scheme ? { scheme: opts.scheme } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });

  const first = await client.manifest(ref.lookup);
  const firstDigest = sha256(first.body);
  if (ref.digest && firstDigest !== ref.digest) throw digestMismatch(ref.canonical, ref.digest, firstDigest);
  const parsed = parseManifest(ref.canonical, first.body, first.contentType);

  let manifest: ImageManifest;
  let manifestBody = first.body;
  let manifestDesc: Descriptor;
  let indexDigest: string | undefined;
  if (parsed.kind === 'index') {
    indexDigest = firstDigest;
    await storeVerified(opts.cacheDir, firstDigest, first.body);
    manifestDesc = choosePlatform(ref.canonical, parsed, platform);
    const second = await client.manifest(manifestDesc.digest);
    const got = sha256(second.body);
    if (got !== manifestDesc.digest) throw digestMismatch(ref.canonical, manifestDesc.digest, got);
    const m = parseManifest(ref.canonical, second.body, second.contentType);
    if (m.kind !== 'manifest') throw badManifest(ref.canonical, `the index entry for ${formatPlatform(platform)} is itself an index`);
    manifest = m;
    manifestBody = second.body;
  } else {
    manifest = parsed;
    manifestDesc = { mediaType: parsed.mediaType, digest: firstDigest, size: first.body.length };
  }
  const manifestPath = await storeVerified(opts.cacheDir, manifestDesc.digest, manifestBody);

  const unsupported = manifest.layers.find((l) => !layerSupported(l.mediaType));
  if (unsupported) throw badManifest(ref.canonical, `layer ${unsupported.digest} has media type ${unsupported.mediaType}, which banger cannot unpack`);

  const count = manifest.layers.length;
  const progress = (layer: number) => (p: BlobProgress) => opts.onProgress?.({ ...p, layer, layers: count });
  const configPath = await fetchBlob(client, opts.cacheDir, manifest.config, progress(-1));
  const layers: PulledBlob[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const path = await fetchBlob(client, opts.cacheDir, l, progress(i));
    layers.push({ digest: l.digest, mediaType: l.mediaType, size: l.size, path });
  }
  return {
    reference: ref,
    manifestDigest: manifestDesc.digest,
    ...(indexDigest ? { indexDigest } : {}),
    platform: formatPlatform(platform),
    manifest: { digest: manifestDesc.digest, mediaType: manifest.mediaType, size: manifestBody.length, path: manifestPath },
    config: { digest: manifest.config.digest, mediaType: manifest.config.mediaType, size: manifest.config.size, path: configPath },
    layers,
  };
}
