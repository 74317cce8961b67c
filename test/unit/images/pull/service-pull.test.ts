import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../../src/errors/index.js';
import { createImagesService, type ImagesService } from '../../../../src/images/index.js';
import type { ImportImageOptions } from '../../../../src/images/import/index.js';
import type { PulledImage, PullOptions, ResolvedImage, ResolveOptions } from '../../../../src/images/pull/index.js';
import { parseReference } from '../../../../src/images/pull/reference.js';
import { defaultPullName, layerProgress } from '../../../../src/images/pull/service-pull.js';
import { newId, type Image } from '../../../../src/model/index.js';
import { openStore, type Store } from '../../../../src/store/index.js';
import { createTempRoot, makeImage, type TempRoot } from '../../../helpers/index.js';
import { makeTar } from '../../../helpers/tar-fixtures.js';

describe('image pull in the images service', () => {
  it.each([
    ['debian:bookworm', 'debian-bookworm'],
    ['debian', 'debian-latest'],
    ['ghcr.io/o/tool:v1.2', 'tool-v1.2'],
    [`ghcr.io/o/r@sha256:${'0123456789ab'.repeat(5)}abcd`, 'r-0123456789ab'],
    [`quay.io/${'a'.repeat(70)}:t`, 'a'.repeat(63)],
  ])('names %s %s by default', (ref, name) => {
    expect(defaultPullName(parseReference(ref))).toBe(name);
  });

  it('reports each layer at most once per tenth, and its end', () => {
    const steps: string[] = [];
    const report = layerProgress((s, d) => steps.push(`${s} ${d}`));
    const digest = `sha256:${'c'.repeat(64)}`;
    for (let done = 0; done <= 1000; done += 7) report({ digest, done, total: 1000, layer: 0, layers: 2 });
    report({ digest, done: 1000, total: 1000, layer: 0, layers: 2 });
    report({ digest: `sha256:${'d'.repeat(64)}`, done: 0, total: 0, layer: -1, layers: 2 });
    expect(steps).toHaveLength(12);
    expect(steps[0]).toBe(`pull.layer layer 1/2 cccccccccccc 0/1000 bytes`);
    expect(steps[9]).toMatch(/^pull\.layer layer 1\/2 cccccccccccc 9\d\d\/1000 bytes$/);
    expect(steps[10]).toBe(`pull.layer layer 1/2 cccccccccccc 1000/1000 bytes`);
    expect(steps[11]).toBe(`pull.layer config dddddddddddd 0/0 bytes`);
  });
});

const digestOf = (c: string) => `sha256:${c.repeat(64)}`;

/**
 * The service's pull paths (issue 20, item 3) over a real store: the resolver
 * and puller are scripted (the registry itself is test/integration/images/pull-registry.test.ts's),
 * the importer writes a stub image dir, and the builder must never run.
 */
describe('ImagesService.pull: one image per manifest digest', () => {
  let temp: TempRoot;
  let store: Store;
  let svc: ImagesService;
  /** What the registry says the tag names now. */
  let registryDigest: string;
  const calls = { resolve: [] as { ref: string; platform?: string }[], pull: [] as PullOptions[], import: [] as ImportImageOptions[], build: 0 };

  beforeEach(() => {
    temp = createTempRoot('bgpull-');
    store = openStore(temp.layout.dbPath);
    store.images.insert(makeImage({ name: 'base', artifactDir: join(temp.root, 'base') }));
    registryDigest = digestOf('a');
    calls.resolve = [];
    calls.pull = [];
    calls.import = [];
    calls.build = 0;
    const resolver = async (ref: string, o: ResolveOptions): Promise<ResolvedImage> => {
      calls.resolve.push({ ref, ...(o.platform ? { platform: o.platform } : {}) });
      return { reference: parseReference(ref), manifestDigest: registryDigest, indexDigest: digestOf('f'), platform: o.platform ?? 'linux/amd64' };
    };
    const puller = async (_ref: string, o: PullOptions): Promise<PulledImage> => {
      calls.pull.push(o);
      const blobs = join(temp.root, 'blobs');
      mkdirSync(blobs, { recursive: true });
      const blob = (c: string) => {
        const path = join(blobs, c);
        writeFileSync(path, c);
        return { digest: digestOf(c), mediaType: 'application/octet-stream', size: 1, path };
      };
      return { ...o.resolved!, manifest: { ...blob('b'), digest: o.resolved!.manifestDigest }, config: blob('c'), layers: [blob('d')] };
    };
    const importer = async (o: ImportImageOptions): Promise<Image> => {
      calls.import.push(o);
      const id = newId();
      const dir = join(temp.layout.imagesDir, id);
      mkdirSync(dir, { recursive: true });
      const image = makeImage({ id, name: o.name, profile: 'imported', artifactDir: dir, rootfsPath: join(dir, 'rootfs.ext4'), kernelPath: join(dir, 'vmlinuz'), source: undefined });
      writeFileSync(join(dir, 'image.json'), JSON.stringify(image));
      return image;
    };
    svc = createImagesService({
      layout: temp.layout,
      store,
      defaultImage: 'base',
      resolver,
      puller,
      importer,
      builder: async () => {
        calls.build++;
        throw new Error('no build expected');
      },
    });
  });
  afterEach(() => {
    store.close();
    temp.remove();
  });

  it('first pull: resolves, pulls that digest, imports, and records the source (also in image.json)', async () => {
    const steps: string[] = [];
    const { image, unchanged } = await svc.pull({ reference: 'debian:bookworm' }, { onProgress: (s) => steps.push(s) });
    expect(unchanged).toBe(false);
    expect(image.source).toEqual({ kind: 'pull', reference: 'docker.io/library/debian:bookworm', digest: digestOf('a'), platform: 'linux/amd64', indexDigest: digestOf('f') });
    expect(store.images.getByName('debian-bookworm')).toEqual(image);
    expect(JSON.parse(readFileSync(join(image.artifactDir, 'image.json'), 'utf8'))).toMatchObject({ source: image.source });
    expect(calls.resolve).toEqual([{ ref: 'debian:bookworm' }]);
    // The puller fetches what was resolved (by digest), so a tag moving in between cannot change what is recorded.
    expect(calls.pull.map((o) => o.resolved?.manifestDigest)).toEqual([digestOf('a')]);
    expect(calls.import).toHaveLength(1);
    expect(steps).toContain('pull.done');
  });

  it('the same digest again is a no-op: no download, no import, no default-image build, the same row', async () => {
    const { image } = await svc.pull({ reference: 'debian:bookworm' });
    const steps: string[] = [];
    const again = await svc.pull({ reference: 'debian:bookworm' }, { onProgress: (s, d) => steps.push(`${s} ${d}`) });
    expect(again).toEqual({ image, unchanged: true });
    expect(steps).toEqual([`pull.unchanged already pulled as debian-bookworm (sha256:aaaaaaaaaaaa…)`]);
    expect(calls.resolve).toHaveLength(2);
    expect(calls.pull).toHaveLength(1);
    expect(calls.import).toHaveLength(1);
    expect(calls.build).toBe(0);
    expect(store.images.list().map((i) => i.name)).toEqual(['base', 'debian-bookworm']);
  });

  it('the same digest under another --name returns the existing image and says so (one rootfs per digest)', async () => {
    const { image } = await svc.pull({ reference: 'debian:bookworm' });
    const steps: string[] = [];
    const again = await svc.pull({ reference: 'docker.io/library/debian:bookworm', name: 'deb' }, { onProgress: (s, d) => steps.push(`${s} ${d}`) });
    expect(again).toEqual({ image, unchanged: true });
    expect(steps).toEqual(['pull.unchanged already pulled as debian-bookworm (sha256:aaaaaaaaaaaa…); not pulled again as deb: banger keeps one image per digest']);
    expect(store.images.getByName('deb')).toBeUndefined();
    expect(calls.pull).toHaveLength(1);
  });

  it('the tag moved: the name is taken by the old digest, a conflict naming both digests and both fixes, nothing fetched', async () => {
    await svc.pull({ reference: 'debian:bookworm' });
    registryDigest = digestOf('e');
    const err = await svc.pull({ reference: 'debian:bookworm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({
      code: 'image.exists',
      message: `image "debian-bookworm" already exists, pulled from docker.io/library/debian:bookworm as ${digestOf('a')}; the registry now has ${digestOf('e')} for docker.io/library/debian:bookworm (linux/amd64)`,
      hint: 'replace it: banger image delete debian-bookworm, then pull again; or keep both: banger image pull docker.io/library/debian:bookworm --name NEW',
    });
    expect(calls.pull).toHaveLength(1);
    const next = await svc.pull({ reference: 'debian:bookworm', name: 'debian-new' });
    expect(next.unchanged).toBe(false);
    expect(next.image.source).toMatchObject({ digest: digestOf('e') });
  });

  it('a name held by a built image is a conflict naming where that one came from', async () => {
    const err = await svc.pull({ reference: 'debian:bookworm', name: 'base' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'image.exists', message: expect.stringContaining('image "base" already exists, from profile minimal; the registry now has') });
    expect(calls.pull).toHaveLength(0);
  });

  it('another platform is another digest, so not a no-op', async () => {
    await svc.pull({ reference: 'debian:bookworm' });
    registryDigest = digestOf('9');
    const v3 = await svc.pull({ reference: 'debian:bookworm', platform: 'linux/amd64/v3', name: 'debian-v3' });
    expect(v3.unchanged).toBe(false);
    expect(v3.image.source).toMatchObject({ platform: 'linux/amd64/v3', digest: digestOf('9') });
    expect(calls.resolve.at(-1)).toEqual({ ref: 'debian:bookworm', platform: 'linux/amd64/v3' });
  });

  it('a platform banger cannot boot is refused before the registry is asked', async () => {
    const before = calls.resolve.length;
    const err = await svc.pull({ reference: 'debian:bookworm', platform: 'linux/arm64' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'pull.platform_unsupported', hint: expect.stringContaining('leave out --platform') });
    expect(calls.resolve).toHaveLength(before);
    expect(calls.pull).toHaveLength(0);
  });
});

describe('ImagesService: build and import record their source', () => {
  let temp: TempRoot;
  let store: Store;
  beforeEach(() => {
    temp = createTempRoot('bgsrc-');
    store = openStore(temp.layout.dbPath);
  });
  afterEach(() => {
    store.close();
    temp.remove();
  });

  const stub = (name: string, profile: Image['profile']): Image => {
    const id = newId();
    const dir = join(temp.layout.imagesDir, id);
    mkdirSync(dir, { recursive: true });
    return makeImage({ id, name, profile, artifactDir: dir, source: undefined });
  };

  it('build: profile; the default image too', async () => {
    const svc = createImagesService({ layout: temp.layout, store, defaultImage: 'default', defaultProfile: 'dev', builder: async (o) => stub(o.name ?? o.profile, o.profile) });
    expect((await svc.build({ profile: 'debian' })).source).toEqual({ kind: 'profile', profile: 'debian' });
    expect((await svc.ensureDefaultImage()).source).toEqual({ kind: 'profile', profile: 'dev' });
    expect(store.images.getByName('debian')?.source).toEqual({ kind: 'profile', profile: 'debian' });
  });

  it('a default_image named after a profile is built with that profile on first use; another name with minimal', async () => {
    const profiles: string[] = [];
    const make = (defaultImage: string) =>
      createImagesService({ layout: temp.layout, store, defaultImage, builder: async (o) => (profiles.push(o.profile), stub(o.name ?? o.profile, o.profile)) });
    expect((await make('dev').ensureDefaultImage()).source).toEqual({ kind: 'profile', profile: 'dev' });
    expect((await make('debian').ensureDefaultImage()).source).toEqual({ kind: 'profile', profile: 'debian' });
    expect((await make('work').ensureDefaultImage()).source).toEqual({ kind: 'profile', profile: 'minimal' });
    expect(profiles).toEqual(['dev', 'debian', 'minimal']);
  });

  it('import: the absolute path and the format detected once, passed to the import so it does not detect again', async () => {
    const formats: ImportImageOptions['format'][] = [];
    const svc = createImagesService({
      layout: temp.layout,
      store,
      defaultImage: 'base',
      importer: async (o) => {
        formats.push(o.format);
        return stub(o.name, 'imported');
      },
    });
    store.images.insert(makeImage({ name: 'base' }));
    const oci = join(temp.root, 'layout');
    mkdirSync(oci);
    writeFileSync(join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const a = await svc.import({ name: 'a', source: oci, kernelFrom: 'base' });
    expect(a.source).toEqual({ kind: 'import', path: oci, format: 'oci' });
    const b = await svc.import({ name: 'b', source: oci, format: 'docker', kernelFrom: 'base' });
    expect(b.source).toEqual({ kind: 'import', path: oci, format: 'docker' });
    expect(formats).toEqual(['oci', 'docker']);
    expect(store.images.getByName('a')?.source).toEqual(a.source);
  });

  it('an image banger cannot boot is refused by the real import before the default image is built for it', async () => {
    let builds = 0;
    const svc = createImagesService({
      layout: temp.layout,
      store,
      defaultImage: 'default',
      builder: async () => {
        builds++;
        throw new Error('no build expected');
      },
    });
    const tar = join(temp.root, 'noinit.tar');
    writeFileSync(tar, await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', body: 'ID=alpine\n' }]));
    const err = await svc.import({ name: 'noinit', source: tar }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'image.not_bootable' });
    expect(builds).toBe(0);
    expect(store.images.getByName('default')).toBeUndefined();
    expect(store.images.getByName('noinit')).toBeUndefined();
  });
});

