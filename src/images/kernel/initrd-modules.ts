import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/**
 * The modules an image's initramfs loads, read back from the initrd file
 * itself (banger's gzip'd newc cpio, src/images/initramfs.ts), so the check is
 * on what the guest gets rather than on the list the build meant to use.
 */

const LOAD_ORDER = 'lib/modules/load-order';

/** One file's bytes from a newc ("070701"/"070702") cpio archive, or undefined. Stops at a malformed header. */
export function newcFile(cpio: Uint8Array, name: string): Buffer | undefined {
  const buf = Buffer.from(cpio.buffer, cpio.byteOffset, cpio.byteLength);
  const pad4 = (n: number) => (n + 3) & ~3;
  let p = 0;
  while (p + 110 <= buf.length) {
    const magic = buf.toString('latin1', p, p + 6);
    if (magic !== '070701' && magic !== '070702') return undefined;
    const field = (i: number) => parseInt(buf.toString('latin1', p + 6 + i * 8, p + 14 + i * 8), 16);
    const fileSize = field(6);
    const nameSize = field(11);
    if (!Number.isFinite(fileSize) || !Number.isFinite(nameSize) || nameSize < 1) return undefined;
    const entryName = buf.toString('utf8', p + 110, p + 110 + nameSize - 1);
    const data = pad4(p + 110 + nameSize);
    if (entryName === 'TRAILER!!!' || data + fileSize > buf.length) return undefined;
    if (entryName.replace(/^\.\//, '') === name) return buf.subarray(data, data + fileSize);
    p = pad4(data + fileSize);
  }
  return undefined;
}

/** Module names (without .ko) the initrd's init loads, in order; [] when it has no load list. */
export async function initrdModules(initrdPath: string): Promise<string[]> {
  let bytes: Uint8Array = await readFile(initrdPath);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const list = newcFile(bytes, LOAD_ORDER);
  if (!list) return [];
  return list.toString('utf8').split('\n').map((l) => l.trim().replace(/\.ko$/, '')).filter(Boolean);
}
