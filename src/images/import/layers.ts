import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { InvalidInputError } from '../../errors/index.js';
import { ownershipForCaller, type OwnershipSink } from '../../host/storage/index.js';
import { ImportRefusedError } from './entry-path.js';
import { RootWriter } from './root-writer.js';
import { checkImportSource } from './sniff.js';

/**
 * Finds the ordered layer blobs of an import source: an OCI layout directory
 * (or tarball), a `docker save` tarball, or a plain rootfs tarball. Outer
 * tarballs are unpacked with the same RootWriter as layers (so they are held
 * to the same rules), then read from inside the scratch directory only.
 */

export type ImportFormat = 'auto' | 'oci' | 'docker' | 'tar';

export interface Layer {
  label: string;
  path: string;
  /** Apply OCI whiteouts (layered formats only). */
  whiteouts: boolean;
  /** Expected "sha256:<hex>" digest, checked before the layer is applied. */
  digest?: string;
}

const BAD_SOURCE_HINT = 'pass an OCI layout directory, a `docker save` tarball or a rootfs tarball';

/** Opens a possibly compressed tarball (gzip, zstd or plain) as a plain tar stream. */
export async function openTar(path: string): Promise<Readable> {
  const fh = await open(path, 'r');
  const magic = Buffer.alloc(4);
  await fh.read(magic, 0, 4, 0);
  await fh.close();
  const raw = createReadStream(path);
  if (magic[0] === 0x1f && magic[1] === 0x8b) return raw.pipe(createGunzip());
  if (magic.readUInt32LE(0) === 0xfd2fb528) {
    const z = spawn('zstd', ['-dc', path], { stdio: ['ignore', 'pipe', 'ignore'] });
    raw.destroy();
    const out = new PassThrough();
    z.on('error', () => out.destroy(new InvalidInputError(`${path} is zstd-compressed and zstd is not installed`, { hint: 'apt-get install zstd' })));
    z.stdout.pipe(out);
    return out;
  }
  return raw;
}

/** Top-level names of a tarball (bodies skipped), to tell docker-save and OCI tarballs from rootfs ones. */
async function tarHasTopLevel(path: string, names: string[]): Promise<string | undefined> {
  const ex = extract();
  (await openTar(path)).pipe(ex);
  let found: string | undefined;
  for await (const entry of ex) {
    const n = entry.header.name.replace(/^\.\//, '');
    if (!found && names.includes(n)) found = n;
    entry.resume();
  }
  return found;
}

export async function detectFormat(source: string): Promise<Exclude<ImportFormat, 'auto'>> {
  if ((await checkImportSource(source)) === 'oci-dir') return 'oci';
  const top = await tarHasTopLevel(source, ['oci-layout', 'manifest.json']);
  if (top === 'oci-layout') return 'oci';
  if (top === 'manifest.json') return 'docker';
  return 'tar';
}

/** Unpacks one tarball (no whiteouts) into dir under the import rules, ownership going to `ownership`. */
export async function unpackTar(path: string, dir: string, ownership: OwnershipSink, signal?: AbortSignal): Promise<void> {
  const w = new RootWriter(dir, { whiteouts: false, ownership });
  const ex = extract();
  (await openTar(path)).pipe(ex);
  w.beginLayer();
  for await (const entry of ex) await w.apply(entry.header, entry, signal);
  await w.finish();
}

/** Unpacks an outer tarball (OCI or docker-save) into dir under the import rules; only its blobs are read, so owners do not matter. */
export function unpackOuter(path: string, dir: string, signal?: AbortSignal): Promise<void> {
  return unpackTar(path, dir, ownershipForCaller(), signal);
}

/** A path named by a manifest, resolved and required to stay inside root. */
async function inside(root: string, rel: string, what: string): Promise<string> {
  const real = await realpath(join(root, rel)).catch(() => undefined);
  const realRoot = await realpath(root);
  if (!real || !real.startsWith(realRoot + sep)) throw new ImportRefusedError(rel, `(${what}) is missing or lies outside the archive`);
  return real;
}

interface OciDescriptor {
  mediaType?: string;
  digest: string;
  platform?: { architecture?: string; os?: string };
}

export async function ociLayers(layoutDir: string): Promise<Layer[]> {
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as { manifests?: OciDescriptor[] };
  let desc = pickManifest(index.manifests ?? []);
  for (let depth = 0; desc && /index|manifest\.list/.test(desc.mediaType ?? ''); depth++) {
    if (depth > 4) throw new InvalidInputError('OCI index nests too deeply', { hint: BAD_SOURCE_HINT });
    const nested = JSON.parse(await readFile(await blobPath(layoutDir, desc.digest), 'utf8')) as { manifests?: OciDescriptor[] };
    desc = pickManifest(nested.manifests ?? []);
  }
  if (!desc) throw new InvalidInputError('the OCI layout has no image manifest for linux/amd64', { hint: BAD_SOURCE_HINT });
  const manifest = JSON.parse(await readFile(await blobPath(layoutDir, desc.digest), 'utf8')) as { layers?: OciDescriptor[] };
  return Promise.all(
    (manifest.layers ?? []).map(async (l, i) => ({ label: `layer ${i + 1} ${l.digest.slice(0, 19)}`, path: await blobPath(layoutDir, l.digest), whiteouts: true, digest: l.digest })),
  );
}

function pickManifest(ms: OciDescriptor[]): OciDescriptor | undefined {
  return ms.find((m) => !m.platform || (m.platform.os === 'linux' && m.platform.architecture === 'amd64')) ?? undefined;
}

async function blobPath(layoutDir: string, digest: string): Promise<string> {
  const m = /^(sha256|sha512):([a-f0-9]{64,128})$/.exec(digest);
  if (!m) throw new ImportRefusedError(digest, 'is not a valid blob digest');
  return inside(layoutDir, join('blobs', m[1]!, m[2]!), 'blob');
}

export async function dockerLayers(dir: string): Promise<Layer[]> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { Layers?: string[] }[];
  const layers = manifest[0]?.Layers;
  if (!layers?.length) throw new InvalidInputError('docker save manifest.json lists no layers', { hint: BAD_SOURCE_HINT });
  return Promise.all(layers.map(async (l, i) => ({ label: `layer ${i + 1} ${l}`, path: await inside(dir, l, 'layer'), whiteouts: true })));
}

/** Streams the file once and compares its digest; refuses on mismatch. */
export async function verifyDigest(layer: Layer): Promise<void> {
  if (!layer.digest) return;
  const [alg, want] = layer.digest.split(':');
  const h = createHash(alg!);
  for await (const chunk of createReadStream(layer.path)) h.update(chunk as Buffer);
  if (h.digest('hex') !== want) throw new ImportRefusedError(layer.label, 'does not match its digest');
}
