import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

/** Crafted archive builders for import tests (tar-stream writes exactly what we ask, hostile names included). */

export type FixtureEntry = Partial<Header> & { name: string; body?: string };

/**
 * Makes a fixture rootfs a banger image (its `/etc/banger/profile`), which
 * `image import` takes as it is. Without it a fixture with no systemd is
 * refused (image.not_bootable), and one with systemd gets banger's guest kit.
 */
export const BANGER_PROFILE: FixtureEntry = { name: 'etc/banger/profile', body: 'fixture\n' };

export async function makeTar(entries: FixtureEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const { body, ...h } = e;
    await new Promise<void>((resolve, reject) => {
      p.entry({ mode: h.type === 'directory' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: new Date(1_700_000_000_000), ...h }, body ?? '', (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Writes an OCI image layout directory with the given layer tarballs (gzip when asked). */
export function writeOciLayout(dir: string, layers: { tar: Buffer; gzip?: boolean }[]): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const blob = (b: Buffer): string => {
    const d = sha(b);
    writeFileSync(join(dir, 'blobs', 'sha256', d), b);
    return `sha256:${d}`;
  };
  const layerDescs = layers.map((l) => {
    const data = l.gzip ? gzipSync(l.tar) : l.tar;
    return {
      mediaType: l.gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar',
      digest: blob(data),
      size: data.length,
    };
  });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blob(config), size: config.length },
      layers: layerDescs,
    }),
  );
  const md = blob(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length, platform: { architecture: 'amd64', os: 'linux' } }],
    }),
  );
}

/** A `docker save`-style tarball: manifest.json + <id>/layer.tar. `layerPaths` overrides the manifest's names. */
export async function makeDockerSave(layers: Buffer[], layerPaths?: string[]): Promise<Buffer> {
  const entries: FixtureEntry[] = [];
  const names = layers.map((l) => `${sha(l)}/layer.tar`);
  layers.forEach((l, i) => {
    entries.push({ name: `${sha(l)}/`, type: 'directory' });
    entries.push({ name: names[i]!, body: l.toString('latin1') });
  });
  entries.push({ name: 'manifest.json', body: JSON.stringify([{ Config: 'config.json', RepoTags: ['t:latest'], Layers: layerPaths ?? names }]) });
  // Bodies above are latin1 round-trips of binary tar data.
  return makeTarBinary(entries);
}

async function makeTarBinary(entries: FixtureEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const { body, ...h } = e;
    await new Promise<void>((resolve, reject) => {
      p.entry({ mode: h.type === 'directory' ? 0o755 : 0o644, ...h }, Buffer.from(body ?? '', 'latin1'), (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
