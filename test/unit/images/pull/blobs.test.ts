import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blobPath, fetchBlob } from '../../../../src/images/pull/blobs.js';
import { parseReference } from '../../../../src/images/pull/reference.js';
import { RegistryClient, type FetchFn } from '../../../../src/images/pull/registry.js';

/** The blob cache's edge cases against a scripted registry (the real one is in test/integration/images/pull-registry.test.ts). */

const body = Buffer.from('0123456789'.repeat(100));
const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
const desc = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: body.length };
const root = mkdtempSync(join(tmpdir(), 'banger-blobs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function cache(partial?: Buffer): string {
  const dir = join(root, `c${n++}`);
  if (partial) {
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(`${blobPath(dir, digest)}.partial`, partial);
  }
  return dir;
}

function client(answer: (headers: Headers, url: string) => Response, seen: { url: string; headers: Headers }[] = []): RegistryClient {
  const f: FetchFn = async (input, init) => {
    const headers = new Headers(init?.headers);
    const url = input.toString();
    seen.push({ url, headers });
    return answer(headers, url);
  };
  return new RegistryClient(parseReference('localhost:5000/x:1'), { fetch: f });
}

describe('the blob cache', () => {
  it('resumes a partial with Range and keeps the bytes it had', async () => {
    const dir = cache(body.subarray(0, 300));
    const seen: { url: string; headers: Headers }[] = [];
    const c = client((h) => {
      const from = Number(/bytes=(\d+)-/.exec(h.get('range') ?? '')?.[1]);
      return new Response(body.subarray(from), { status: 206, headers: { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } });
    }, seen);
    const progress: number[] = [];
    const path = await fetchBlob(c, dir, desc, (p) => progress.push(p.done));
    expect(readFileSync(path)).toEqual(body);
    expect(seen.map((s) => s.headers.get('range'))).toEqual(['bytes=300-']);
    expect(seen[0]!.url).toBe(`http://localhost:5000/v2/x/blobs/${digest}`);
    expect(progress[0]).toBe(300);
    expect(progress.at(-1)).toBe(1000);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('starts over when the registry answers a Range with the whole blob (200)', async () => {
    const dir = cache(Buffer.from('garbage that is not the start'));
    const path = await fetchBlob(client(() => new Response(body, { status: 200 })), dir, desc);
    expect(readFileSync(path)).toEqual(body);
  });

  it('refuses a Content-Range that does not start where it asked', async () => {
    const dir = cache(body.subarray(0, 300));
    const c = client(() => new Response(body.subarray(200), { status: 206, headers: { 'content-range': `bytes 200-999/1000` } }));
    await expect(fetchBlob(c, dir, desc)).rejects.toMatchObject({ code: 'pull.registry_error', message: expect.stringContaining('asked for bytes from 300') });
  });

  it('a corrupt partial fails the digest and is deleted, so the next pull starts clean', async () => {
    const bad = Buffer.from(body.subarray(0, 300));
    bad[5] = 0x21;
    const dir = cache(bad);
    const c = client((h) => {
      const from = Number(/bytes=(\d+)-/.exec(h.get('range') ?? '')?.[1] ?? 0);
      return from ? new Response(body.subarray(from), { status: 206, headers: { 'content-range': `bytes ${from}-999/1000` } }) : new Response(body);
    });
    await expect(fetchBlob(c, dir, desc)).rejects.toMatchObject({ code: 'pull.digest_mismatch', message: expect.stringContaining(digest) });
    expect(existsSync(`${blobPath(dir, digest)}.partial`)).toBe(false);
    expect(readFileSync(await fetchBlob(c, dir, desc))).toEqual(body);
  });

  it('refuses more bytes than the descriptor gives, and keeps nothing', async () => {
    const dir = cache();
    await expect(fetchBlob(client(() => new Response(Buffer.concat([body, Buffer.from('x')]))), dir, desc)).rejects.toMatchObject({ code: 'pull.digest_mismatch' });
    expect(existsSync(`${blobPath(dir, digest)}.partial`)).toBe(false);
  });

  it('keeps a short download for the next pull to resume', async () => {
    const dir = cache();
    await expect(fetchBlob(client(() => new Response(body.subarray(0, 400))), dir, desc)).rejects.toMatchObject({ code: 'pull.registry_error', message: expect.stringContaining('after 400 of 1000 bytes') });
    expect(readFileSync(`${blobPath(dir, digest)}.partial`).length).toBe(400);
  });

  it('a cached blob is not fetched again', async () => {
    const dir = cache();
    await fetchBlob(client(() => new Response(body)), dir, desc);
    const seen: { url: string; headers: Headers }[] = [];
    await fetchBlob(client(() => new Response(body), seen), dir, desc);
    expect(seen).toEqual([]);
  });
});

describe('registry authorization', () => {
  it('answers a Basic challenge with saved credentials, and refuses it without', async () => {
    const seen: string[] = [];
    const f: FetchFn = async (_input, init) => {
      const auth = new Headers(init?.headers).get('authorization');
      seen.push(auth ?? '-');
      if (!auth) return new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    };
    const ref = parseReference('localhost:5000/x:1');
    await new RegistryClient(ref, { fetch: f, credentials: { username: 'u', password: 'p' } }).manifest('1');
    expect(seen).toEqual(['-', `Basic ${Buffer.from('u:p').toString('base64')}`]);
    await expect(new RegistryClient(ref, { fetch: f }).manifest('1')).rejects.toMatchObject({ code: 'pull.unauthorized', hint: expect.stringContaining('docker login localhost:5000') });
  });

  it('says what failed when the registry cannot be reached', async () => {
    const f: FetchFn = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    };
    await expect(new RegistryClient(parseReference('localhost:5000/x:1'), { fetch: f }).manifest('1')).rejects.toMatchObject({
      code: 'pull.registry_error',
      message: 'registry localhost:5000: GET /v2/x/manifests/1 failed: ECONNREFUSED',
    });
  });
});
