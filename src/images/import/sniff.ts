import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../../errors/index.js';

/**
 * Looks at an import source before any work is done for it (no default-image
 * build, no kernel download, no daemon start when the CLI asks): it must
 * exist, and be an OCI layout directory or a file that is a tar archive,
 * plain or compressed. A plain tar's headers are walked (512 bytes read per
 * entry, bodies skipped), so a truncated one is caught here too; a compressed
 * one is only recognised by its magic bytes, and its content is checked as
 * it is unpacked (describeTarError).
 *
 * Only node:fs: the CLI imports this module, and it must stay light.
 */

export type ImportSourceKind = 'oci-dir' | 'tar' | 'gzip' | 'zstd';

const EXPECTED = 'expected an OCI layout tarball, `docker save` output or a rootfs tarball';
const HINT = 'pass an OCI layout directory, a `docker save` tarball or a rootfs tarball (.tar, .tar.gz, .tar.zst)';
const BLOCK = 512;

export function notATar(path: string, detail = ''): InvalidInputError {
  return new InvalidInputError(`not a tar archive: ${path}${detail}; ${EXPECTED}`, { code: 'image.not_a_tar', hint: HINT });
}

export async function checkImportSource(path: string): Promise<ImportSourceKind> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      throw new InvalidInputError(`import source ${path} does not exist`, { code: 'image.source_missing', hint: HINT });
    }
    throw new InvalidInputError(`cannot read import source ${path}: ${err.code ?? err.message}`, { code: 'image.source_unreadable', hint: HINT });
  });
  if (st.isDirectory()) {
    if (await stat(join(path, 'oci-layout')).catch(() => undefined)) return 'oci-dir';
    throw new InvalidInputError(`${path} is a directory but not an OCI layout (no oci-layout file)`, { code: 'image.not_oci_layout', hint: HINT });
  }
  if (!st.isFile()) throw notATar(path, ' (not a regular file)');
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new InvalidInputError(`cannot read import source ${path}: ${err.code ?? err.message}`, { code: 'image.source_unreadable', hint: HINT });
  });
  try {
    const head = Buffer.alloc(BLOCK);
    const { bytesRead } = await fh.read(head, 0, BLOCK, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    if (bytesRead === 0) throw notATar(path, ' (the file is empty)');
    await walkTar(path, st.size, (buf, pos) => fh.read(buf, 0, BLOCK, pos).then((r) => r.bytesRead));
    return 'tar';
  } finally {
    await fh.close();
  }
}

/**
 * Walks a plain tar's headers: the first must be a valid header, and no entry
 * may run past the end of the file. Stops at the end-of-archive (zero) block.
 * `read` fills a 512-byte buffer at a position and returns the bytes read.
 */
export async function walkTar(path: string, size: number, read: (buf: Buffer, pos: number) => Promise<number>): Promise<void> {
  const block = Buffer.alloc(BLOCK);
  let pos = 0;
  for (let n = 0; ; n++) {
    if (pos >= size) {
      // GNU tar accepts an archive without its two zero blocks; so do we, but not one with no entry at all.
      if (n === 0) throw notATar(path, ' (no tar header)');
      return;
    }
    const got = await read(block, pos);
    if (got < BLOCK) throw n === 0 ? notATar(path, ' (shorter than one tar header)') : truncated(path, `a header at byte ${pos} is cut short`);
    if (block.every((b) => b === 0)) return;
    if (!checksumOk(block)) {
      throw n === 0 ? notATar(path) : truncated(path, `the header at byte ${pos} is corrupt`);
    }
    const entrySize = headerSize(block);
    if (entrySize === undefined) throw truncated(path, `the header at byte ${pos} has an unreadable size`);
    const next = pos + BLOCK + Math.ceil(entrySize / BLOCK) * BLOCK;
    if (pos + BLOCK + entrySize > size) throw truncated(path, `entry ${JSON.stringify(headerName(block))} runs past the end of the file`);
    pos = next;
  }
}

function truncated(path: string, why: string): InvalidInputError {
  return new InvalidInputError(`truncated or corrupt tar archive: ${path}: ${why}; ${EXPECTED}`, {
    code: 'image.tar_truncated',
    hint: 'the file was probably cut short while copying or downloading; make it again',
  });
}

/** The header checksum: the sum of its bytes with the checksum field read as spaces (unsigned, as POSIX says; some old tars signed). */
function checksumOk(h: Buffer): boolean {
  const field = h.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const want = parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

/** The entry's size: octal text, or GNU base-256 when the top bit of the first byte is set. */
function headerSize(h: Buffer): number | undefined {
  const f = h.subarray(124, 136);
  if (f[0]! & 0x80) {
    let v = f[0]! & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i]!;
    return Number.isSafeInteger(v) ? v : undefined;
  }
  const text = f.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

function headerName(h: Buffer): string {
  const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
  const prefix = h.subarray(257, 263).toString('latin1').startsWith('ustar') ? h.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '') : '';
  return prefix ? `${prefix}/${name}` : name;
}

/**
 * tar-stream's own words for a bad archive ("Unexpected end of data",
 * "Invalid tar header. Maybe the tar is corrupted or it needs to be
 * gunzipped?") become the same clear error as above, naming the file.
 * Other errors are returned as they are.
 */
export function describeTarError(err: unknown, path: string): unknown {
  const msg = err instanceof Error ? err.message : '';
  if (/Unexpected end of data/i.test(msg)) return truncated(path, 'it ends inside an entry');
  if (/Invalid tar header|incorrect header check|unexpected end of file/i.test(msg)) return notATar(path, ` (${msg.replace(/\.$/, '')})`);
  return err;
}
