import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { authFilePaths, readCredentials, type Credentials } from './auth.js';
import { fetchBlob, storeVerified, type BlobProgress } from './blobs.js';
import { badManifest, digestMismatch } from './errors.js';
import { checkConfigPlatform, choosePlatform, formatPlatform, layerSupported, parseManifest, parsePlatformOption, type Platform } from './manifest.js';
import { parseReference, type ImageReference } from './reference.js';
import { RegistryClient, type FetchFn } from './registry.js';

/**
 * Pulls one image into the blob cache in two steps. `resolveImage` asks the
 * registry for the reference's manifest only (through an index, the
 * platform's entry) and says which image manifest that is, by digest,
 * without a blob being fetched: the images service decides from it whether
 * the pull is needed at all. `pullImage` then fetches that manifest by its
 * digest (so a tag that moves in between cannot swap the image under the
 * digest the service recorded), and makes sure the config and every layer
 * are cached and verified. Building the image from them is the import's job.
 */

export interface ResolveOptions {
  /** os/arch[/variant]; linux/amd64 by default. */
  platform?: string;
  fetch?: FetchFn;
  /** Credentials to use; when absent they are looked up in `authFiles`. */
  credentials?: Credentials;
  authFiles?: string[];
  scheme?: 'http' | 'https';
  signal?: AbortSignal;
}

export interface PullOptions extends ResolveOptions {
  /** Root of the shared cache: blobs land under `<cacheDir>/blobs/sha256/`. */
  cacheDir: string;
  /** What resolveImage said for this reference: the manifest is then fetched by that digest. @default resolved here */
  resolved?: ResolvedImage;
  /** Per layer (and the config), bytes done of total, as they arrive. */
  onProgress?: (p: LayerProgress) => void;
}

/** Which image a reference names now, as the registry says: no blob fetched. */
export interface ResolvedImage {
  reference: ImageReference;
  /** Digest of the image manifest (one platform's). */
  manifestDigest: string;
  /** Digest of the index the reference named, when it named one. */
  indexDigest?: string;
  platform: string;
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

export interface PulledImage extends ResolvedImage {
  manifest: PulledBlob;
  config: PulledBlob;
  layers: PulledBlob[];
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** One manifest request (plus a token request when the registry wants one). */
export async function resolveImage(refText: string, opts: ResolveOptions = {}): Promise<ResolvedImage> {
  const ref = parseReference(refText);
  return (await resolveOn(await clientFor(ref, opts), ref, parsePlatformOption(opts.platform ?? 'linux/amd64'))).resolved;
}

export async function pullImage(refText: string, opts: PullOptions): Promise<PulledImage> {
  const ref = parseReference(refText);
  const client = await clientFor(ref, opts);
  const { resolved, body } = opts.resolved ? { resolved: opts.resolved, body: undefined } : await resolveOn(client, ref, parsePlatformOption(opts.platform ?? 'linux/amd64'));
  // Fetched by digest when resolved elsewhere, and checked against it either way.
  const got = body ?? (await client.manifest(resolved.manifestDigest));
  const gotDigest = sha256(got.body);
  if (gotDigest !== resolved.manifestDigest) throw digestMismatch(ref.canonical, resolved.manifestDigest, gotDigest);
  const manifest = parseManifest(ref.canonical, got.body, got.contentType);
  if (manifest.kind !== 'manifest') throw badManifest(ref.canonical, `the index entry for ${resolved.platform} is itself an index`);
  const manifestPath = await storeVerified(opts.cacheDir, resolved.manifestDigest, got.body);

  const unsupported = manifest.layers.find((l) => !layerSupported(l.mediaType));
  if (unsupported) throw badManifest(ref.canonical, `layer ${unsupported.digest} has media type ${unsupported.mediaType}, which banger cannot unpack`);

  const count = manifest.layers.length;
  const progress = (layer: number) => (p: BlobProgress) => opts.onProgress?.({ ...p, layer, layers: count });
  const configPath = await fetchBlob(client, opts.cacheDir, manifest.config, progress(-1));
  checkConfigPlatform(ref.canonical, await readFile(configPath), parsePlatformOption(resolved.platform));
  const layers: PulledBlob[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const path = await fetchBlob(client, opts.cacheDir, l, progress(i));
    layers.push({ digest: l.digest, mediaType: l.mediaType, size: l.size, path });
  }
  return {
    ...resolved,
    manifest: { digest: resolved.manifestDigest, mediaType: manifest.mediaType, size: got.body.length, path: manifestPath },
    config: { digest: manifest.config.digest, mediaType: manifest.config.mediaType, size: manifest.config.size, path: configPath },
    layers,
  };
}

async function clientFor(ref: ImageReference, opts: ResolveOptions): Promise<RegistryClient> {
  const credentials = opts.credentials ?? (await readCredentials(ref.registry, opts.authFiles ?? authFilePaths()));
  return new RegistryClient(ref, {
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(credentials ? { credentials } : {}),
    ...(opts.scheme ? { scheme: opts.scheme } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/**
 * The reference's manifest; through an index, the platform's entry (its
 * digest as the index says it: pullImage checks the body against it). A
 * single manifest's body is returned too, so pullImage needs no second GET.
 */
async function resolveOn(client: RegistryClient, ref: ImageReference, platform: Platform): Promise<{ resolved: ResolvedImage; body?: { body: Buffer; contentType: string | null } }> {
  const first = await client.manifest(ref.lookup);
  const firstDigest = sha256(first.body);
  if (ref.digest && firstDigest !== ref.digest) throw digestMismatch(ref.canonical, ref.digest, firstDigest);
  const parsed = parseManifest(ref.canonical, first.body, first.contentType);
  const base = { reference: ref, platform: formatPlatform(platform) };
  if (parsed.kind === 'manifest') return { resolved: { ...base, manifestDigest: firstDigest }, body: first };
  const entry = choosePlatform(ref.canonical, parsed, platform);
  return { resolved: { ...base, manifestDigest: entry.digest, indexDigest: firstDigest } };
}
