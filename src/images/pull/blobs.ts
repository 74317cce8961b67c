import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { digestMismatch, registryFailed } from './errors.js';
import type { Descriptor } from './manifest.js';
import type { RegistryClient } from './registry.js';

/**
 * The blob cache: `<cacheDir>/blobs/sha256/<hex>`, shared by every pull and
 * keyed by digest. A download goes to `<hex>.partial`, is hashed as it is
 * written, and is renamed into place only when its sha256 is the digest. A
 * partial left by an interrupted pull is resumed with a Range request (its
 * bytes hashed again first); a registry that answers 200 to the Range starts
 * it over. A digest mismatch deletes the partial.
 */

export interface BlobProgress {
  digest: string;
  done: number;
  total: number;
}

export function blobPath(cacheDir: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return join(cacheDir, 'blobs', alg!, hex!);
}

async function sizeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.size,
    () => undefined,
  );
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** Stores bytes already verified (a manifest) under their digest. */
export async function storeVerified(cacheDir: string, digest: string, body: Buffer): Promise<string> {
  const path = blobPath(cacheDir, digest);
  if ((await sizeOf(path)) === body.length) return path;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, body, { mode: 0o600 });
  await rename(tmp, path);
  return path;
}

const inFlight = new Map<string, Promise<string>>();

/** Makes sure the blob is in the cache, downloading what is missing; returns its path. */
export function fetchBlob(client: RegistryClient, cacheDir: string, desc: Descriptor, onProgress?: (p: BlobProgress) => void): Promise<string> {
  const path = blobPath(cacheDir, desc.digest);
  const running = inFlight.get(path);
  if (running) return running;
  const p = download(client, path, desc, onProgress).finally(() => inFlight.delete(path));
  inFlight.set(path, p);
  return p;
}

async function download(client: RegistryClient, path: string, desc: Descriptor, onProgress?: (p: BlobProgress) => void): Promise<string> {
  const report = (done: number) => onProgress?.({ digest: desc.digest, done, total: desc.size });
  if ((await sizeOf(path)) === desc.size) {
    report(desc.size);
    return path;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const partial = `${path}.partial`;
  let offset = (await sizeOf(partial)) ?? 0;
  if (offset > desc.size) {
    await rm(partial, { force: true });
    offset = 0;
  }
  let hash = createHash('sha256');
  if (offset > 0) await hashFile(partial, hash);

  if (offset < desc.size || desc.size === 0) {
    const res = await client.blob(desc.digest, offset);
    if (res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
      if (start === undefined || Number(start) !== offset) {
        await res.body?.cancel();
        throw registryFailed(client.ref.apiHost, `GET blob ${desc.digest}`, `asked for bytes from ${offset}, got Content-Range ${res.headers.get('content-range') ?? '(none)'}`);
      }
    } else if (offset > 0) {
      offset = 0;
      hash = createHash('sha256');
    }
    const fh = await open(partial, offset > 0 ? 'a' : 'w', 0o600);
    let done = offset;
    try {
      report(done);
      if (res.body) {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          done += chunk.length;
          if (done > desc.size) {
            await fh.close().catch(() => undefined);
            await rm(partial, { force: true });
            throw digestMismatch(client.ref.canonical, desc.digest, `more than the ${desc.size} bytes its descriptor gives`);
          }
          hash.update(chunk);
          await fh.write(chunk);
          report(done);
        }
      }
      await fh.sync();
    } finally {
      await fh.close().catch(() => undefined);
    }
    if (done < desc.size) {
      // The connection ended early without an error: keep the partial for the next pull to resume.
      throw registryFailed(client.ref.apiHost, `GET blob ${desc.digest}`, `the download ended after ${done} of ${desc.size} bytes`);
    }
  }

  const got = `sha256:${hash.digest('hex')}`;
  if (got !== desc.digest) {
    await rm(partial, { force: true });
    throw digestMismatch(client.ref.canonical, desc.digest, got);
  }
  await rename(partial, path);
  return path;
}
