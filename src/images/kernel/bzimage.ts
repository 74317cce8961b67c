import { InvalidInputError } from '../../errors/index.js';

/**
 * The x86 boot protocol header of a bzImage (Documentation/arch/x86/boot.rst):
 * where the compressed kernel sits inside it and how it is compressed. Pure.
 */

/** How a bzImage's payload is compressed (CONFIG_KERNEL_*). */
export type PayloadCompression = 'gzip' | 'lz4' | 'xz' | 'lzma' | 'zstd' | 'bzip2' | 'lzo';

export interface BzImagePayload {
  /** Boot protocol version, e.g. "2.15". */
  protocol: string;
  /** Byte offset of the payload in the file. */
  offset: number;
  /** The compressed payload (a view into the file's bytes). */
  payload: Uint8Array;
  /** undefined when the magic is none of the kernel's compressors. */
  compression: PayloadCompression | undefined;
}

const MAGICS: readonly [PayloadCompression, readonly number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f]],
  // lzma_alone: properties byte 0x5d and a 64 KiB-aligned dictionary size, as scripts/extract-vmlinux matches it.
  ['lzma', [0x5d, 0x00, 0x00]],
];

export function detectCompression(bytes: Uint8Array): PayloadCompression | undefined {
  return MAGICS.find(([, magic]) => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b))?.[0];
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

const NOT_BZIMAGE_HINT = 'the image kernel must be an x86 bzImage (a Debian vmlinuz) or an ELF vmlinux';

function bad(what: string, reason: string): InvalidInputError {
  return new InvalidInputError(`${what} is not a usable bzImage: ${reason}`, { code: 'image.bad_kernel', hint: NOT_BZIMAGE_HINT });
}

/**
 * Finds the compressed kernel in a bzImage: setup_sects at 0x1f1 (0 means 4),
 * "HdrS" at 0x202, protocol ≥ 2.08 at 0x206 (the first with payload_offset),
 * payload_offset/length at 0x248/0x24c, relative to the protected-mode code at
 * (setup_sects + 1) * 512.
 * @throws InvalidInputError `image.bad_kernel` naming what is wrong.
 */
export function parseBzImage(bytes: Uint8Array, what = 'the kernel'): BzImagePayload {
  if (bytes.length < 0x250) throw bad(what, `only ${bytes.length} bytes`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0x202, true) !== 0x53726448) throw bad(what, 'no "HdrS" boot header at 0x202');
  const version = v.getUint16(0x206, true);
  const protocol = `${version >> 8}.${String(version & 0xff).padStart(2, '0')}`;
  if (version < 0x208) throw bad(what, `boot protocol ${protocol} predates payload_offset (2.08)`);
  const setupSects = v.getUint8(0x1f1) || 4;
  const pmStart = (setupSects + 1) * 512;
  const offset = pmStart + v.getUint32(0x248, true);
  const length = v.getUint32(0x24c, true);
  if (length === 0 || offset + length > bytes.length) throw bad(what, `payload ${offset}+${length} does not fit the ${bytes.length}-byte file (truncated?)`);
  const payload = bytes.subarray(offset, offset + length);
  return { protocol, offset, payload, compression: detectCompression(payload) };
}
