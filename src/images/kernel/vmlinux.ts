import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { InvalidInputError } from '../../errors/index.js';
import { isElf, parseBzImage, type PayloadCompression } from './bzimage.js';
import { decompressPayload } from './decompress.js';
import { validateVmlinux, type VmlinuxReport } from './elf.js';

/**
 * The uncompressed ELF kernel beside an image's bzImage: Firecracker on
 * x86_64 loads only an ELF `vmlinux`, and QEMU's microvm machine boots one
 * through its PVH note without running the bzImage's decompressor.
 */

export const VMLINUX_FILE = 'vmlinux';

export interface ExtractedVmlinux {
  path: string;
  /** How the bzImage payload was compressed; 'none' when the source was already an ELF. */
  compression: PayloadCompression | 'none';
  report: VmlinuxReport;
  /** Wall time of read + decompress + validate + write. */
  ms: number;
}

/** The validated ELF inside a kernel file: a bzImage's decompressed payload, or the file itself when it is an ELF. */
export async function kernelElf(kernelPath: string, signal?: AbortSignal): Promise<{ elf: Buffer; compression: ExtractedVmlinux['compression']; report: VmlinuxReport }> {
  const bytes = await readFile(kernelPath);
  if (isElf(bytes)) return { elf: bytes, compression: 'none', report: validateVmlinux(bytes, kernelPath) };
  const bz = parseBzImage(bytes, kernelPath);
  if (!bz.compression) {
    const magic = Buffer.from(bz.payload.subarray(0, 6)).toString('hex');
    throw parseFailure(kernelPath, `payload at byte ${bz.offset} has an unknown compression (magic ${magic})`);
  }
  const what = `the decompressed payload of ${kernelPath}`;
  const elf = await decompressPayload(bz.compression, bz.payload, kernelPath, signal);
  return { elf, compression: bz.compression, report: validateVmlinux(elf, what) };
}

/**
 * Writes the ELF vmlinux of `kernelPath` (a bzImage, or an ELF taken as is) to
 * `outPath`: temp file and rename, so a reader never sees half a kernel.
 * @throws InvalidInputError `image.bad_kernel` / `image.bad_vmlinux`, HostError for a missing tool.
 */
export async function extractVmlinux(kernelPath: string, outPath: string, signal?: AbortSignal): Promise<ExtractedVmlinux> {
  const started = Date.now();
  const { elf, compression, report } = await kernelElf(kernelPath, signal);
  const tmp = `${outPath}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, elf, { mode: 0o644 });
    await rename(tmp, outPath);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { path: outPath, compression, report, ms: Date.now() - started };
}

/** Reads and validates a vmlinux on disk (tests, `image show`-style checks). */
export async function readVmlinux(path: string): Promise<VmlinuxReport> {
  return validateVmlinux(await readFile(path), path);
}

function parseFailure(path: string, reason: string): InvalidInputError {
  return new InvalidInputError(`${path}: ${reason}`, {
    code: 'image.bad_kernel',
    hint: 'banger reads gzip, lz4, xz, lzma, zstd, bzip2 and lzo kernels: use a Debian linux-image-*-amd64 vmlinuz',
  });
}
