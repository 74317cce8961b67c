import { describe, expect, it } from 'vitest';
import { checkConfigPlatform, choosePlatform, layerSupported, parseBootablePlatform, parseManifest, parsePlatform, type ImageIndex } from '../../../../src/images/pull/manifest.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const buf = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('manifests', () => {
  it('reads an OCI manifest and a Docker v2 one by Content-Type', () => {
    const body = { schemaVersion: 2, config: { mediaType: 'c', digest: d('1'), size: 3 }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d('2'), size: 9 }] };
    const m = parseManifest('r', buf(body), 'application/vnd.docker.distribution.manifest.v2+json; charset=utf-8');
    expect(m).toMatchObject({ kind: 'manifest', mediaType: 'application/vnd.docker.distribution.manifest.v2+json', layers: [{ digest: d('2'), size: 9 }] });
  });

  it('reads an index and picks linux/amd64, skipping attestations', () => {
    const index = parseManifest(
      'r',
      buf({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: 'm', digest: d('a'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { mediaType: 'm', digest: d('b'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: 'm', digest: d('c'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
        ],
      }),
      null,
    ) as ImageIndex;
    expect(index.kind).toBe('index');
    expect(choosePlatform('r', index, { os: 'linux', architecture: 'amd64' }).digest).toBe(d('b'));
    expect(choosePlatform('r', index, { os: 'linux', architecture: 'arm64' }).digest).toBe(d('a'));
    expect(() => choosePlatform('r', index, { os: 'linux', architecture: 'arm64', variant: 'v7' })).toThrow(/no linux\/arm64\/v7 variant \(it has: linux\/arm64\/v8, linux\/amd64\)/);
    try {
      choosePlatform('r', index, { os: 'linux', architecture: 's390x' });
    } catch (err) {
      expect(err).toMatchObject({ code: 'pull.no_platform', kind: 'not_found' });
      expect((err as { hint: string }).hint).toMatch(/--platform/);
    }
  });

  it.each([
    ['not json', /not JSON/],
    [JSON.stringify({ schemaVersion: 1, fsLayers: [] }), /schemaVersion is 1/],
    [JSON.stringify({ schemaVersion: 2 }), /no layers list/],
    [JSON.stringify({ schemaVersion: 2, config: { mediaType: 'c', digest: 'md5:x', size: 1 }, layers: [] }), /only sha256/],
    [JSON.stringify({ schemaVersion: 2, config: { mediaType: 'c', digest: d('1'), size: -1 }, layers: [] }), /bad size/],
    [JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json' }), /no manifests list/],
  ])('refuses %s', (body, why) => {
    expect(() => parseManifest('r', Buffer.from(body), null)).toThrow(why);
  });

  it('platforms and layer types', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    for (const bad of ['linux', 'linux/', 'a/b/c/d', 'Linux/amd64']) expect(parsePlatform(bad)).toBeUndefined();
    for (const ok of ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.docker.image.rootfs.diff.tar.gzip']) {
      expect(layerSupported(ok)).toBe(true);
    }
    for (const no of ['application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'text/plain']) expect(layerSupported(no)).toBe(false);
  });
});

describe('platforms banger boots', () => {
  it('--platform takes linux/amd64 and its variants only', () => {
    expect(parseBootablePlatform('linux/amd64/v2')).toEqual({ os: 'linux', architecture: 'amd64', variant: 'v2' });
    expect(() => parseBootablePlatform('linux/arm64')).toThrow(expect.objectContaining({ code: 'pull.platform_unsupported' }));
    expect(() => parseBootablePlatform('windows/amd64')).toThrow(/cannot boot a windows\/amd64 image/);
    expect(() => parseBootablePlatform('amd64')).toThrow(expect.objectContaining({ code: 'pull.bad_platform' }));
  });

  it("an image config for another architecture is refused, one that names none or the same is taken", () => {
    const want = { os: 'linux', architecture: 'amd64' };
    const cfg = (o: object) => Buffer.from(JSON.stringify(o));
    expect(() => checkConfigPlatform('r', cfg({ os: 'linux', architecture: 'arm64' }), want)).toThrow(/built for linux\/arm64, not linux\/amd64/);
    expect(() => checkConfigPlatform('r', cfg({ os: 'linux', architecture: 'amd64' }), want)).not.toThrow();
    expect(() => checkConfigPlatform('r', cfg({}), want)).not.toThrow();
    expect(() => checkConfigPlatform('r', Buffer.from('{'), want)).toThrow(expect.objectContaining({ code: 'pull.bad_manifest' }));
  });
});
