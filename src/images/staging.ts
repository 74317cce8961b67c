import { mkdir, rename, rm, writeFile, stat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { nowIso, type Image } from '../model/index.js';

/**
 * Every image is built into `<imagesDir>/.staging-<id>` and renamed into
 * place only when complete, so a failed or cancelled build never leaves a
 * partial image: the staging dir (and the caller's scratch dir) are removed.
 */

export interface Staging {
  id: string;
  dir: string;
  finalDir: string;
  /** The image row for what was built here: id, artifact dir, managed and timestamps filled in. */
  record(fields: StagedImageFields): Image;
  /** Moves the staging dir into place and writes image.json. */
  commit(image: Image): Promise<Image>;
  discard(): Promise<void>;
}

export type StagedImageFields = Omit<Image, 'id' | 'artifactDir' | 'managed' | 'createdAt' | 'updatedAt'>;

export async function openStaging(imagesDir: string, id: string): Promise<Staging> {
  await mkdir(imagesDir, { recursive: true });
  const dir = join(imagesDir, `.staging-${id}`);
  const finalDir = join(imagesDir, id);
  await mkdir(dir, { recursive: false });
  return {
    id,
    dir,
    finalDir,
    record(fields) {
      const now = nowIso();
      return { ...fields, id, artifactDir: dir, managed: true, createdAt: now, updatedAt: now };
    },
    async commit(image: Image): Promise<Image> {
      const rebased = rebase(image, dir, finalDir);
      rebased.sizeBytes = await dirAllocatedBytes(dir);
      await writeFile(join(dir, 'image.json'), JSON.stringify(rebased, null, 2) + '\n');
      await rename(dir, finalDir);
      return rebased;
    },
    async discard(): Promise<void> {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Rewrites artifact paths from the staging dir to the final dir. */
function rebase(image: Image, from: string, to: string): Image {
  const fix = (p: string | undefined): string | undefined => (p?.startsWith(from) ? to + p.slice(from.length) : p);
  return {
    ...image,
    artifactDir: to,
    rootfsPath: fix(image.rootfsPath) ?? image.rootfsPath,
    kernelPath: fix(image.kernelPath) ?? image.kernelPath,
    vmlinuxPath: fix(image.vmlinuxPath),
    workSeedPath: fix(image.workSeedPath),
    initrdPath: fix(image.initrdPath),
    modulesDir: fix(image.modulesDir),
  };
}

async function dirAllocatedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const st = await stat(join(dir, e.name));
    total += e.isDirectory() ? await dirAllocatedBytes(join(dir, e.name)) : st.blocks * 512;
  }
  return total;
}
