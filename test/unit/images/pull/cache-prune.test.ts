import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blobPath } from '../../../../src/images/pull/blobs.js';
import { pruneImageBlobs } from '../../../../src/images/pull/cache-prune.js';
import { createTempRoot, type TempRoot } from '../../../helpers/index.js';

const sha = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('pruning the blob cache when a pulled image is deleted', () => {
  let temp: TempRoot;
  let cache: string;
  beforeEach(() => {
    temp = createTempRoot('bgprune-');
    cache = join(temp.root, 'oci');
  });
  afterEach(() => temp.remove());

  const put = (body: string): string => {
    const d = sha(body);
    mkdirSync(join(cache, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(blobPath(cache, d), body);
    return d;
  };
  const manifest = (config: string, layers: string[]) =>
    put(JSON.stringify({ schemaVersion: 2, config: { digest: config, size: 1 }, layers: layers.map((digest) => ({ digest, size: 1 })) }));
  const has = (d: string) => existsSync(blobPath(cache, d));

  it("removes the image's manifest, config and layers, keeping a layer another pulled image names", async () => {
    const [base, a, b] = [put('shared base layer'), put('only in A'), put('only in B')];
    const ma = manifest(put('config A'), [base, a]);
    const mb = manifest(put('config B'), [base, b]);
    const partial = `${blobPath(cache, sha('unfinished'))}.partial`;
    writeFileSync(partial, 'half');

    const first = await pruneImageBlobs(cache, ma, [mb]);
    expect(first.removed).toBe(3);
    expect([ma, a, sha('config A')].some(has)).toBe(false);
    expect([mb, base, b, sha('config B')].every(has)).toBe(true);

    expect((await pruneImageBlobs(cache, mb, [])).removed).toBe(4);
    expect([mb, base, b].some(has)).toBe(false);
    expect(existsSync(partial)).toBe(true);
  });

  it('a gone or unreadable manifest removes only what is known: the manifest file itself', async () => {
    const layer = put('a layer');
    const broken = put('not json {');
    expect(await pruneImageBlobs(cache, broken, [])).toEqual({ removed: 1, bytes: 'not json {'.length });
    expect(has(layer)).toBe(true);
    expect((await pruneImageBlobs(cache, sha('never cached'), [])).removed).toBe(0);
  });
});
