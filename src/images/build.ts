import { mkdir } from 'node:fs/promises';
import { InvalidInputError } from '../errors/index.js';
import { ensureSshKey } from '../guest/keys.js';
import type { Layout } from '../host/layout.js';
import { newId, type Image } from '../model/index.js';
import { buildDebian } from './debian/build.js';
import { buildMinimal } from './minimal/build.js';
import { noProgress, type ProgressFn } from './progress.js';
import { openStaging } from './staging.js';

export const BUILD_PROFILES = ['minimal', 'debian', 'dev'] as const;
export type BuildProfile = (typeof BUILD_PROFILES)[number];

/**
 * The profile the default image is built with on first use: a
 * `default_image` named after a profile (`dev`) is that profile, any other
 * name the minimal one. So `default_image = "dev"` gives new VMs the dev box.
 */
export function profileForDefaultImage(name: string): BuildProfile {
  return (BUILD_PROFILES as readonly string[]).includes(name) ? (name as BuildProfile) : 'minimal';
}

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
