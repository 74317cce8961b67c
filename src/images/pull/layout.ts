import { constants } from 'node:fs';
import { copyFile, link, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PulledBlob, PulledImage } from './pull.js';

/**
 * Hands a pulled image to `image import`: an OCI layout directory whose
 * index.json names the pulled manifest and whose blobs are hard links to
 * the cache (a reflink or copy when the cache is on another filesystem).
 * Hard links, not symlinks: the import resolves every blob path and refuses
 * one that leaves the layout. The import verifies each layer's digest again
 * and flattens them with its own rules (whiteouts, hostile paths).
 */
export async function writePulledLayout(image: PulledImage, dir: string): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true, mode: 0o700 });
  for (const b of [image.manifest, image.config, ...image.layers]) await place(b, join(blobs, b.digest.slice('sha256:'.length)));
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const [os, architecture, variant] = image.platform.split('/');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: image.manifest.mediaType,
          digest: image.manifest.digest,
          size: image.manifest.size,
          platform: { os, architecture, ...(variant ? { variant } : {}) },
          annotations: { 'org.opencontainers.image.ref.name': image.reference.canonical },
        },
      ],
    }),
  );
}

async function place(b: PulledBlob, to: string): Promise<void> {
  try {
    await link(b.path, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EXDEV' && code !== 'EPERM') throw err;
    await copyFile(b.path, to, constants.COPYFILE_FICLONE);
  }
}
