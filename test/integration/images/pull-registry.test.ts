import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importImage } from '../../../src/images/import/index.js';
import { writePulledLayout, type PulledImage, type ResolvedImage, type ResolveOptions } from '../../../src/images/pull/index.js';
import { ext4Cat, ext4Ls } from '../../helpers/ext4-inspect.js';
import { resolveLayout } from '../../../src/host/layout.js';
import { createImagesService } from '../../../src/images/index.js';
import type { LayerProgress, PullOptions } from '../../../src/images/pull/index.js';
import { openStore } from '../../../src/store/index.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { createTestNetns, type TestNetns } from '../../helpers/netns.js';
import { REGISTRY_ADDR, skopeoPush, startRegistry, startTokenServer, writeLayout, type TestRegistry } from '../../helpers/oci-registry.js';
import { HOSTILE_ARCHIVES, withHostTarget } from '../../helpers/hostile-archives.js';
import { BANGER_PROFILE, makeTar } from '../../helpers/tar-fixtures.js';

/**
 * `image pull`'s client against a real registry (issue 20, item 1): Debian's
 * docker-registry in a namespace this test creates, images pushed with
 * skopeo from OCI layouts written here, and the client run in the same
 * namespace (a child bundled with esbuild) so nothing listens on the host's
 * network.
 */

const missingTool = ['docker-registry', 'skopeo', 'curl', 'mkfs.ext4', 'debugfs'].find((t) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', t]).status !== 0);
const missing = requiresNetns() ?? (missingTool ? `needs ${missingTool} (apt-get install docker-registry skopeo)` : null);

interface ChildResult {
  ok: boolean;
  image?: PulledImage;
  error?: { name?: string; code?: string; message?: string; hint?: string };
  requests: { path: string; range?: string; auth?: string; status: number }[];
  progress: Record<string, LayerProgress>;
  reports: number;
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const fileSha = (p: string): string => sha(readFileSync(p));

/** A banger layout under a fresh temp dir, its cache dir included (tempLayout shares the cache between runs; pulls must not). */
function ownLayout(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const layout = resolveLayout({ HOME: root, XDG_CONFIG_HOME: join(root, 'config'), XDG_STATE_HOME: join(root, 'state'), XDG_CACHE_HOME: join(root, 'cache'), XDG_RUNTIME_DIR: join(root, 'run') });
  return { root, layout, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function partials(cacheDir: string): string[] {
  const dir = join(cacheDir, 'blobs', 'sha256');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.partial')) : [];
}

describe.skipIf(missing !== null)(gated('image pull from a real registry (issue 20)', missing), () => {
  let root: string;
  let ns: TestNetns;
  let registry: TestRegistry;
  let child: string;

  const pull = (opts: { ref: string; cacheDir: string; platform?: string; abortAfterBytes?: number; authFiles?: string[]; resolveOnly?: boolean; resolved?: ResolvedImage }): ChildResult => {
    const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, child, JSON.stringify(opts)], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`pull child failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
  };
  // BANGER_PROFILE: a pulled fixture is a banger image, so the import keeps it as it is (no init to find).
  const layer = async (name: string, body: string) => makeTar([{ name: 'etc/', type: 'directory' }, { name: `etc/${name}`, body }, BANGER_PROFILE]);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'banger-pull-'));
    child = join(root, 'pull-child.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('pull-child.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: child,
      logLevel: 'silent',
    });
    ns = createTestNetns('pull');
    registry = await startRegistry(ns, join(root, 'registry'));
  }, 60_000);

  afterAll(async () => {
    await registry?.stop();
    ns?.delete();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('pulls a single-arch image, verifies and caches every blob, reports progress, and a second pull downloads nothing', async () => {
    const dir = join(root, 'single');
    const w = writeLayout(dir, 'v1', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [await layer('one', 'first layer\n'), await layer('two', 'second layer\n')] }]);
    skopeoPush(ns, dir, 'single:1', { refName: 'v1' });

    const cacheDir = join(root, 'cache-single');
    const r = pull({ ref: `${REGISTRY_ADDR}/single:1`, cacheDir });
    expect(r.error).toBeUndefined();
    const img = r.image!;
    expect(img.manifestDigest).toBe(w.images[0]!.manifestDigest);
    expect(img.indexDigest).toBeUndefined();
    expect(img.platform).toBe('linux/amd64');
    expect(img.reference).toMatchObject({ registry: REGISTRY_ADDR, repository: 'single', tag: '1' });
    expect(img.layers.map((l) => l.digest)).toEqual(w.images[0]!.layerDigests);
    for (const b of [img.manifest, img.config, ...img.layers]) {
      expect(b.path).toBe(join(cacheDir, 'blobs', 'sha256', b.digest.slice(7)));
      expect(fileSha(b.path)).toBe(b.digest);
    }
    expect(partials(cacheDir)).toEqual([]);
    for (const l of img.layers) expect(r.progress[l.digest]).toMatchObject({ done: l.size, total: l.size });
    expect(r.requests.every((q) => q.auth === undefined)).toBe(true);

    const again = pull({ ref: `${REGISTRY_ADDR}/single:1`, cacheDir });
    expect(again.image!.manifestDigest).toBe(img.manifestDigest);
    expect(again.requests.filter((q) => q.path.includes('/blobs/'))).toEqual([]);
    console.log(`single-arch: ${r.requests.length} requests (${img.layers.length} layers); second pull ${again.requests.length} (manifest only)`);

    const byDigest = pull({ ref: `${REGISTRY_ADDR}/single@${img.manifestDigest}`, cacheDir });
    expect(byDigest.image!.manifestDigest).toBe(img.manifestDigest);
  });

  it('resolves a multi-arch index to linux/amd64 (or --platform), and names the platforms it has when asked for a missing one', async () => {
    const dir = join(root, 'multi');
    const w = writeLayout(dir, 'multi', [
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, layers: [await layer('arch', 'arm64\n')] },
      { platform: { os: 'linux', architecture: 'amd64' }, layers: [await layer('arch', 'amd64\n')] },
    ]);
    skopeoPush(ns, dir, 'multi:1', { all: true, refName: 'multi' });
    const [arm, amd] = w.images;

    const cacheDir = join(root, 'cache-multi');
    const r = pull({ ref: `${REGISTRY_ADDR}/multi:1`, cacheDir });
    expect(r.error).toBeUndefined();
    expect(r.image).toMatchObject({ indexDigest: w.top, manifestDigest: amd!.manifestDigest, platform: 'linux/amd64' });
    expect(r.image!.layers.map((l) => l.digest)).toEqual(amd!.layerDigests);
    expect(r.requests.some((q) => q.path.endsWith(arm!.layerDigests[0]!))).toBe(false);
    expect(readFileSync(r.image!.layers[0]!.path).includes(Buffer.from('amd64\n'))).toBe(true);

    // Resolving alone is the index request and nothing else; a pull told what was resolved fetches that manifest by digest.
    const resolved = pull({ ref: `${REGISTRY_ADDR}/multi:1`, cacheDir: join(root, 'cache-unused'), resolveOnly: true });
    expect(resolved.image).toEqual({ reference: r.image!.reference, indexDigest: w.top, manifestDigest: amd!.manifestDigest, platform: 'linux/amd64' });
    expect(resolved.requests.map((q) => q.path)).toEqual(['/v2/multi/manifests/1']);
    const byResolved = pull({ ref: `${REGISTRY_ADDR}/multi:1`, cacheDir, resolved: resolved.image! });
    expect(byResolved.image).toMatchObject({ indexDigest: w.top, manifestDigest: amd!.manifestDigest });
    expect(byResolved.requests.filter((q) => q.path.includes('/manifests/')).map((q) => q.path)).toEqual([`/v2/multi/manifests/${amd!.manifestDigest}`]);

    const a = pull({ ref: `${REGISTRY_ADDR}/multi:1`, cacheDir, platform: 'linux/arm64' });
    expect(a.image).toMatchObject({ manifestDigest: arm!.manifestDigest, platform: 'linux/arm64' });

    const none = pull({ ref: `${REGISTRY_ADDR}/multi:1`, cacheDir, platform: 'linux/s390x' });
    expect(none.error).toMatchObject({ code: 'pull.no_platform' });
    expect(none.error!.message).toContain('it has: linux/arm64/v8, linux/amd64');
  });

  it('refuses a single-platform tag built for another architecture after its config, before any layer', async () => {
    const dir = join(root, 'armonly');
    const w = writeLayout(dir, 'a', [{ platform: { os: 'linux', architecture: 'arm64' }, layers: [await layer('arch', 'arm64 only\n')] }]);
    skopeoPush(ns, dir, 'armonly:1', { refName: 'a' });
    const r = pull({ ref: `${REGISTRY_ADDR}/armonly:1`, cacheDir: join(root, 'cache-armonly') });
    expect(r.error).toMatchObject({ code: 'pull.platform_unsupported' });
    expect(r.error!.message).toContain('built for linux/arm64, not linux/amd64');
    expect(r.requests.some((q) => q.path.endsWith(w.images[0]!.layerDigests[0]!))).toBe(false);
  });

  it('refuses a tampered blob by its digest and leaves nothing of it in the cache', async () => {
    const dir = join(root, 'tamper');
    const w = writeLayout(dir, 't', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [await layer('victim', `tamper me ${randomBytes(8).toString('hex')}\n`)] }]);
    skopeoPush(ns, dir, 'tamper:1', { refName: 't' });
    const digest = w.images[0]!.layerDigests[0]!;
    const data = registry.blobData(digest);
    const bytes = readFileSync(data);
    const at = bytes.indexOf('tamper me');
    bytes[at] = 'T'.charCodeAt(0);
    writeFileSync(data, bytes);

    const cacheDir = join(root, 'cache-tamper');
    const r = pull({ ref: `${REGISTRY_ADDR}/tamper:1`, cacheDir });
    expect(r.error).toMatchObject({ code: 'pull.digest_mismatch' });
    expect(r.error!.message).toContain(digest);
    expect(r.error!.message).toContain(sha(bytes));
    expect(existsSync(join(cacheDir, 'blobs', 'sha256', digest.slice(7)))).toBe(false);
    expect(partials(cacheDir)).toEqual([]);
  });

  it('resumes an interrupted layer download with a Range request', async () => {
    const dir = join(root, 'big');
    const big = await layer('big', randomBytes(3 * 1024 * 1024).toString('base64'));
    const w = writeLayout(dir, 'b', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [big] }]);
    skopeoPush(ns, dir, 'big:1', { refName: 'b' });
    const digest = w.images[0]!.layerDigests[0]!;

    const cacheDir = join(root, 'cache-big');
    const first = pull({ ref: `${REGISTRY_ADDR}/big:1`, cacheDir, abortAfterBytes: 1024 * 1024 });
    expect(first.ok).toBe(false);
    expect(first.error!.name).toBe('AbortError');
    const partial = join(cacheDir, 'blobs', 'sha256', `${digest.slice(7)}.partial`);
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThanOrEqual(1024 * 1024);
    expect(kept).toBeLessThan(big.length);

    const second = pull({ ref: `${REGISTRY_ADDR}/big:1`, cacheDir });
    expect(second.error).toBeUndefined();
    const gets = second.requests.filter((q) => q.path.endsWith(`/blobs/${digest}`));
    expect(gets).toEqual([{ path: `/v2/big/blobs/${digest}`, range: `bytes=${kept}-`, status: 206 }]);
    expect(fileSha(second.image!.layers[0]!.path)).toBe(digest);
    expect(existsSync(partial)).toBe(false);
    console.log(`resume: ${big.length} byte layer, ${kept} kept from the interrupted pull, ${big.length - kept} fetched with Range`);
  });

  it('pulls a private repository with Bearer token auth, credentials from a docker config.json; refuses without or with wrong ones', async () => {
    const tokens = await startTokenServer(ns, join(root, 'token'), { port: 5001, user: 'alice', pass: 's3cret:x' });
    const priv = await startRegistry(ns, join(root, 'registry-private'), {
      addr: '127.0.0.1:5002',
      extraConfig: { auth: { token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootcertbundle: tokens.certPath } } },
    });
    try {
      const dir = join(root, 'private');
      const w = writeLayout(dir, 'p', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [await layer('secret', 'private layer\n')] }]);
      skopeoPush(ns, dir, 'team/private:1', { refName: 'p', addr: priv.addr, creds: 'alice:s3cret:x' });
      const ref = `${priv.addr}/team/private:1`;
      const authFile = (user: string, pass: string): string => {
        const path = join(root, `auth-${user}.json`);
        writeFileSync(path, JSON.stringify({ auths: { [priv.addr]: { auth: Buffer.from(`${user}:${pass}`).toString('base64') } } }));
        return path;
      };

      const anon = pull({ ref, cacheDir: join(root, 'cache-anon') });
      expect(anon.error).toMatchObject({ code: 'pull.unauthorized' });
      expect(anon.error!.hint).toContain(`docker login ${priv.addr}`);

      const wrong = pull({ ref, cacheDir: join(root, 'cache-wrong'), authFiles: [authFile('alice', 'nope')] });
      expect(wrong.error).toMatchObject({ code: 'pull.unauthorized' });
      expect(wrong.error!.message).toContain('refused the saved credentials');

      const cacheDir = join(root, 'cache-private');
      const ok = pull({ ref, cacheDir, authFiles: [join(root, 'missing.json'), authFile('alice', 's3cret:x')] });
      expect(ok.error).toBeUndefined();
      expect(ok.image!.manifestDigest).toBe(w.images[0]!.manifestDigest);
      expect(fileSha(ok.image!.layers[0]!.path)).toBe(w.images[0]!.layerDigests[0]);
      // One anonymous try, then every request carries the token.
      expect(ok.requests[0]).toMatchObject({ status: 401 });
      expect(ok.requests[0]!.auth).toBeUndefined();
      expect(ok.requests.filter((q) => q.path.startsWith('/v2/') && q.status !== 401).every((q) => q.auth === 'Bearer')).toBe(true);
      const asked = tokens.requests().filter((t) => t.user === 'alice' && t.scopes.includes('repository:team/private:pull'));
      expect(asked.length).toBeGreaterThan(0);
      expect(asked[0]!.service).toBe(tokens.service);
    } finally {
      await priv.stop();
      await tokens.stop();
    }
  });

  it('a pulled image feeds image import: its layers are flattened with whiteouts, and a hostile layer is refused as on import', async () => {
    const t = ownLayout('banger-pull-import-');
    try {
      const kernelFrom = { kernelPath: join(t.root, 'vmlinuz'), kernelArgs: 'root=/dev/vda rw' };
      writeFileSync(kernelFrom.kernelPath, 'kernel');
      const dir = join(root, 'layered');
      const base = await makeTar([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' },
        BANGER_PROFILE,
        { name: 'var/gone', body: 'x' },
        { name: 'var/kept', body: 'y' },
      ]);
      const upper = await makeTar([{ name: 'var/.wh.gone', body: '' }, { name: 'etc/motd', body: 'pulled\n' }]);
      writeLayout(dir, 'l', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [base, upper] }]);
      skopeoPush(ns, dir, 'layered:1', { refName: 'l' });
      const cacheDir = join(t.layout.cacheDir, 'oci');
      const pulled = pull({ ref: `${REGISTRY_ADDR}/layered:1`, cacheDir });
      expect(pulled.error).toBeUndefined();
      const src = join(t.layout.cacheDir, 'pull-layout');
      await writePulledLayout(pulled.image!, src);
      const image = await importImage({ layout: t.layout, name: 'pulled', source: src, kernelFrom });
      expect(ext4Ls(image.rootfsPath, '/var')).toEqual(['kept']);
      expect(ext4Cat(image.rootfsPath, '/etc/motd')).toBe('pulled\n');
      // The layout holds links to the cache, not copies.
      expect(statSync(join(src, 'blobs', 'sha256', pulled.image!.layers[0]!.digest.slice(7))).ino).toBe(statSync(pulled.image!.layers[0]!.path).ino);

      const evilDir = join(root, 'evil');
      writeLayout(evilDir, 'e', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [await makeTar([{ name: '../evil', body: 'x' }])] }]);
      skopeoPush(ns, evilDir, 'evil:1', { refName: 'e' });
      const evil = pull({ ref: `${REGISTRY_ADDR}/evil:1`, cacheDir });
      expect(evil.error).toBeUndefined();
      const evilSrc = join(t.layout.cacheDir, 'evil-layout');
      await writePulledLayout(evil.image!, evilSrc);
      await expect(importImage({ layout: t.layout, name: 'evil', source: evilSrc, kernelFrom })).rejects.toThrow(/entry "\.\.\/evil" has a path that climbs out of the root/);
      expect(existsSync(join(t.root, 'evil'))).toBe(false);
    } finally {
      t.cleanup();
    }
  }, 60_000);

  it('the images service pulls into <cacheDir>/oci, imports, records the image and reports per-layer progress', async () => {
    const t = ownLayout('banger-pull-svc-');
    const store = openStore(t.layout.dbPath);
    try {
      const baseDir = join(t.layout.imagesDir, 'base');
      mkdirSync(baseDir, { recursive: true });
      writeFileSync(join(baseDir, 'vmlinuz'), 'kernel');
      const at = new Date().toISOString();
      store.images.insert({ id: 'b'.repeat(32), name: 'base', profile: 'minimal', managed: false, artifactDir: baseDir, rootfsPath: join(baseDir, 'rootfs.ext4'), kernelPath: join(baseDir, 'vmlinuz'), kernelArgs: 'root=/dev/vda rw', createdAt: at, updatedAt: at });

      const dir = join(root, 'svc');
      const w = writeLayout(dir, 's', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [await layer('hello', 'from the service\n')] }]);
      skopeoPush(ns, dir, 'team/svc:v2', { refName: 's' });

      // The service runs here, outside the namespace: its resolver and puller are the child, run in it, on the cache dir the service chose.
      const caches: string[] = [];
      const resolves: ChildResult[] = [];
      const puller = async (ref: string, o: PullOptions): Promise<PulledImage> => {
        caches.push(o.cacheDir);
        const r = pull({ ref, cacheDir: o.cacheDir, ...(o.platform ? { platform: o.platform } : {}), ...(o.resolved ? { resolved: o.resolved } : {}) });
        if (!r.ok) throw new Error(r.error!.message);
        for (const p of Object.values(r.progress)) o.onProgress?.(p);
        return r.image!;
      };
      const resolver = async (ref: string, o: ResolveOptions): Promise<ResolvedImage> => {
        const r = pull({ ref, cacheDir: join(t.root, 'unused'), resolveOnly: true, ...(o.platform ? { platform: o.platform } : {}) });
        resolves.push(r);
        if (!r.ok) throw new Error(r.error!.message);
        return r.image!;
      };
      const svc = createImagesService({ layout: t.layout, store, defaultImage: 'base', puller, resolver });
      const steps: string[] = [];
      const ref = `${REGISTRY_ADDR}/team/svc:v2`;
      const first = await svc.pull({ reference: ref, kernelFrom: 'base' }, { onProgress: (s, d) => steps.push(`${s} ${d ?? ''}`) });
      const image = first.image;
      expect(first.unchanged).toBe(false);
      expect(image).toMatchObject({ name: 'svc-v2', profile: 'imported', kernelArgs: 'root=/dev/vda rw' });
      expect(image.source).toEqual({ kind: 'pull', reference: ref, digest: w.images[0]!.manifestDigest, platform: 'linux/amd64' });
      expect(store.images.getByName('svc-v2')).toEqual(image);
      expect(JSON.parse(readFileSync(join(image.artifactDir, 'image.json'), 'utf8'))).toMatchObject({ source: image.source });
      expect(ext4Cat(image.rootfsPath, '/etc/hello')).toBe('from the service\n');
      expect(caches).toEqual([join(t.layout.cacheDir, 'oci')]);
      expect(steps.some((s) => /^pull\.layer layer 1\/1 [0-9a-f]{12} (\d+)\/\1 bytes$/.test(s))).toBe(true);
      expect(steps.some((s) => s.startsWith(`pull.done ${ref} sha256:`))).toBe(true);
      expect(readdirSync(t.layout.cacheDir).filter((n) => n !== 'oci')).toEqual([]);

      // The same reference again (issue 20, item 3): one manifest request, no blob, no import, no new row.
      const rows = store.images.list().length;
      const again: string[] = [];
      const second = await svc.pull({ reference: ref, kernelFrom: 'base' }, { onProgress: (s, d) => again.push(`${s} ${d ?? ''}`) });
      expect(second).toEqual({ image, unchanged: true });
      expect(again).toEqual([`pull.unchanged already pulled as svc-v2 (${w.images[0]!.manifestDigest.slice(0, 19)}…)`]);
      expect(resolves.at(-1)!.requests.map((q) => q.path)).toEqual([`/v2/team/svc/manifests/v2`]);
      expect(caches).toHaveLength(1);
      expect(store.images.list()).toHaveLength(rows);
      // Under another name too: one image per digest.
      const renamed = await svc.pull({ reference: ref, name: 'svc-copy', kernelFrom: 'base' }, { onProgress: (s, d) => again.push(`${s} ${d ?? ''}`) });
      expect(renamed).toEqual({ image, unchanged: true });
      expect(again.at(-1)).toContain('not pulled again as svc-copy');
      expect(store.images.getByName('svc-copy')).toBeUndefined();
      expect(caches).toHaveLength(1);

      // The tag moves: the name is taken by the old digest, and the error names both digests and both fixes.
      const moved = join(root, 'svc-moved');
      const w2 = writeLayout(moved, 's2', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [await layer('hello', 'moved on\n')] }]);
      skopeoPush(ns, moved, 'team/svc:v2', { refName: 's2' });
      const conflict = await svc.pull({ reference: ref, kernelFrom: 'base' }).catch((e: unknown) => e);
      expect(conflict).toMatchObject({ code: 'image.exists' });
      const { message, hint } = conflict as { message: string; hint: string };
      expect(message).toContain(`as ${w.images[0]!.manifestDigest}`);
      expect(message).toContain(`the registry now has ${w2.images[0]!.manifestDigest}`);
      expect(hint).toBe(`replace it: banger image delete svc-v2, then pull again; or keep both: banger image pull ${ref} --name NEW`);
      expect(caches).toHaveLength(1);
      expect(store.images.list()).toHaveLength(rows);
      // The hint's second fix works: the new digest under a new name, the old image untouched.
      const next = await svc.pull({ reference: ref, name: 'svc-v2-next', kernelFrom: 'base' });
      expect(next.unchanged).toBe(false);
      expect(next.image.source).toMatchObject({ kind: 'pull', digest: w2.images[0]!.manifestDigest });
      expect(ext4Cat(next.image.rootfsPath, '/etc/hello')).toBe('moved on\n');
      expect(store.images.getByName('svc-v2')).toEqual(image);

      // Deleting a pulled image frees its blobs; the other pulled image's stay (and it still pulls as a no-op).
      const blob = (d: string) => join(t.layout.cacheDir, 'oci', 'blobs', 'sha256', d.slice(7));
      const own = [w.images[0]!.manifestDigest, w.images[0]!.configDigest, ...w.images[0]!.layerDigests];
      const others = [w2.images[0]!.manifestDigest, w2.images[0]!.configDigest, ...w2.images[0]!.layerDigests];
      expect([...own, ...others].every((d) => existsSync(blob(d)))).toBe(true);
      await svc.delete('svc-v2');
      expect(own.filter((d) => existsSync(blob(d)))).toEqual([]);
      expect(others.every((d) => existsSync(blob(d)))).toBe(true);

      await expect(svc.pull({ reference: 'Bad/Ref', kernelFrom: 'base' })).rejects.toMatchObject({ code: 'pull.bad_reference' });
      await expect(svc.pull({ reference: 'x:1', platform: 'amd64' })).rejects.toMatchObject({ code: 'pull.bad_platform' });
      expect(caches).toHaveLength(2);

      // The default image is built only after the pull worked: a missing repository costs no build.
      let builds = 0;
      const lazy = createImagesService({
        layout: t.layout,
        store,
        defaultImage: 'never-built',
        builder: async () => {
          builds++;
          throw new Error('no build expected');
        },
        puller,
        resolver,
      });
      await expect(lazy.pull({ reference: `${REGISTRY_ADDR}/team/absent:1` })).rejects.toThrow(/was not found/);
      expect(builds).toBe(0);
    } finally {
      store.close();
      t.cleanup();
    }
  }, 60_000);

  it.each(HOSTILE_ARCHIVES)('a pulled layer with %s is refused by the import exactly as a local archive, leaving nothing behind', async (what, entries, msg) => {
    const t = ownLayout('banger-pull-hostile-');
    try {
      const hostTarget = join(t.root, 'host-target');
      mkdirSync(hostTarget);
      const kernelFrom = { kernelPath: join(t.root, 'vmlinuz'), kernelArgs: 'root=/dev/vda rw' };
      writeFileSync(kernelFrom.kernelPath, 'kernel');
      const repo = `hostile/${what.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
      const dir = join(t.root, 'layout');
      writeLayout(dir, 'h', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [await makeTar(withHostTarget(entries, hostTarget))] }]);
      skopeoPush(ns, dir, `${repo}:1`, { refName: 'h' });
      const pulled = pull({ ref: `${REGISTRY_ADDR}/${repo}:1`, cacheDir: join(t.layout.cacheDir, 'oci') });
      expect(pulled.error).toBeUndefined();
      const src = join(t.layout.cacheDir, 'pull-layout');
      await writePulledLayout(pulled.image!, src);
      await expect(importImage({ layout: t.layout, name: 'bad', source: src, kernelFrom })).rejects.toThrow(msg);
      expect(existsSync(t.layout.imagesDir) ? readdirSync(t.layout.imagesDir) : []).toEqual([]);
      expect(readdirSync(t.layout.cacheDir).filter((n) => n.startsWith('import-'))).toEqual([]);
      expect(readdirSync(hostTarget)).toEqual([]);
      expect(existsSync(join(t.root, 'evil'))).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it('says not found for a missing repository or tag', () => {
    const cacheDir = join(root, 'cache-none');
    mkdirSync(cacheDir);
    for (const ref of [`${REGISTRY_ADDR}/nope:1`, `${REGISTRY_ADDR}/single:nope`]) {
      const r = pull({ ref, cacheDir });
      expect(r.error).toMatchObject({ code: 'pull.not_found' });
    }
  });
});
