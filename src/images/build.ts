import { mkdir } from 'node:fs/promises';
import { InvalidInputError } from '../errors/index.js';
import { ensureSshKey } from '../guest/keys.js';
import type { Layout } from '../host/layout.js';
import { newId, type Image } from '../model/index.js';
import { buildDebian } from './debian/build.js';
import { buildMinimal } from './minimal/build.js';
import { noProgress, type ProgressFn } from './progress.js';
import { openStaging } from './staging.js';

export type BuildProfile = 'minimal' | 'debian' | 'dev';

export interface BuildImageOptions {
  layout: Pick<Layout, 'imagesDir' | 'cacheDir' | 'sshDir' | 'sshKeyPath'>;
  profile: BuildProfile;
  /** @default the profile name */
  name?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * Builds an image into `<imagesDir>/<id>/` and returns the Image record for
 * the caller to insert into the store (image.json next to the artifacts holds
 * the same record). Nothing is left behind on failure or cancellation.
 */
export async function buildImage(opts: BuildImageOptions): Promise<Image> {
  const progress = opts.onProgress ?? noProgress;
  if (opts.profile !== 'minimal' && opts.profile !== 'debian' && opts.profile !== 'dev') {
    throw new InvalidInputError(`unknown image profile ${JSON.stringify(opts.profile)}`, { hint: 'use --profile minimal, debian or dev' });
  }
  await mkdir(opts.layout.cacheDir, { recursive: true });
  const sshKey = await ensureSshKey(opts.layout);
  const staging = await openStaging(opts.layout.imagesDir, newId());
  try {
    const ctx = { name: opts.name ?? opts.profile, staging, cacheDir: opts.layout.cacheDir, sshKey, progress, signal: opts.signal };
    const image = opts.profile === 'minimal' ? await buildMinimal(ctx) : await buildDebian(ctx, opts.profile);
    progress('commit', staging.finalDir);
    const done = await staging.commit(image);
    progress('done', `${done.name} (${done.id.slice(0, 8)})`);
    return done;
  } catch (e) {
    await staging.discard();
    throw e;
  }
}
