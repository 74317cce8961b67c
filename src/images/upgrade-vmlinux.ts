import { isAbsolute, join, relative } from 'node:path';
import type { Image } from '../model/index.js';
import { mergeIntoImageJson } from './image-json.js';
import { extractVmlinux, VMLINUX_FILE } from './kernel/vmlinux.js';

/**
 * Images built before banger extracted a vmlinux have only the bzImage, which
 * Firecracker cannot load. bangerd calls this at start: each managed image
 * without one gets `vmlinux` extracted into its own dir (temp file + rename),
 * then its row updated. A failure is logged and leaves the row alone: the
 * image still boots under QEMU's default machine, and the planner refuses it
 * for Firecracker naming the fix (image.no_vmlinux).
 */

export interface VmlinuxUpgradeStore {
  list(): Image[];
  setVmlinuxPath(id: string, path: string): boolean;
}

/** pino's call shape, so bangerd's logger fits. */
export interface UpgradeLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface VmlinuxUpgradeResult {
  upgraded: string[];
  failed: { name: string; reason: string }[];
}

export async function upgradeImageVmlinuxes(opts: { images: VmlinuxUpgradeStore; imagesDir: string; log: UpgradeLog; signal?: AbortSignal }): Promise<VmlinuxUpgradeResult> {
  const result: VmlinuxUpgradeResult = { upgraded: [], failed: [] };
  for (const image of opts.images.list()) {
    if (image.vmlinuxPath || !image.managed || !inside(opts.imagesDir, image.artifactDir)) continue;
    if (opts.signal?.aborted) break;
    const out = join(image.artifactDir, VMLINUX_FILE);
    try {
      const done = await extractVmlinux(image.kernelPath, out, opts.signal);
      // The row may have gone (deleted or replaced meanwhile): then the file went with its dir, or goes with it.
      if (opts.images.setVmlinuxPath(image.id, out)) {
        await mergeIntoImageJson(image.artifactDir, { vmlinuxPath: out });
        result.upgraded.push(image.name);
        opts.log.info({ image: image.name, compression: done.compression, bytes: done.report.size, ms: done.ms }, 'image upgraded: vmlinux extracted');
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      result.failed.push({ name: image.name, reason });
      opts.log.warn({ image: image.name, err }, 'could not extract a vmlinux for the image: Firecracker will refuse it');
    }
  }
  return result;
}

/** Only dirs banger made under imagesDir are written to (paths come from the database). */
function inside(root: string, dir: string): boolean {
  const rel = relative(root, dir);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
