import { open } from 'node:fs/promises';

/**
 * The last lines of a file, read backwards from its end in chunks, so a
 * console log of gigabytes costs what the answer costs, not the whole file.
 */

export interface TailOptions {
  /** Bytes read per step backwards. @default 65536 */
  chunkBytes?: number;
  /**
   * Most bytes returned: N lines of a runaway log can be huge, and the answer travels as one
   * JSON-RPC line (4 MiB at most, and escaping can grow text up to 6×). @default 524288
   */
  maxBytes?: number;
}

export interface Tail {
  text: string;
  /** Byte offset in the file where `text` ends: where a follower continues. */
  end: number;
  /** True when the lines were longer than maxBytes and only their last maxBytes are in `text`. */
  truncated: boolean;
}

const NL = 0x0a;

/**
 * The last `lines` lines of `path` (a final line without a newline counts as a line; the
 * trailing newline of the last line is kept as it is in the file). `lines` 0 gives ''.
 * A missing file is an empty log: the VM has not written one yet.
 */
export async function tailLines(path: string, lines: number, opts: TailOptions = {}): Promise<Tail> {
  const chunkBytes = opts.chunkBytes ?? 64 * 1024;
  const maxBytes = opts.maxBytes ?? 512 * 1024;
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', end: 0, truncated: false };
    throw err;
  }
  try {
    const { size } = await fh.stat();
    if (lines <= 0 || size === 0) return { text: '', end: size, truncated: false };
    const chunks: Buffer[] = [];
    let pos = size;
    let start = 0;
    let found = 0;
    let truncated = false;
    scan: while (pos > 0) {
      const len = Math.min(chunkBytes, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      const chunk = buf.subarray(0, bytesRead);
      chunks.unshift(chunk);
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] !== NL) continue;
        // The newline that ends the last line does not start another one.
        if (pos + i === size - 1) continue;
        found++;
        if (found === lines) {
          start = pos + i + 1;
          break scan;
        }
      }
      if (size - pos > maxBytes) {
        start = size - maxBytes;
        truncated = true;
        break;
      }
    }
    if (!truncated && size - start > maxBytes) {
      start = size - maxBytes;
      truncated = true;
    }
    let buf = Buffer.concat(chunks).subarray(start - pos);
    // A cut inside a multi-byte UTF-8 character would print a replacement character: start at the next whole one.
    if (truncated) {
      let skip = 0;
      while (skip < buf.length && skip < 4 && ((buf[skip] ?? 0) & 0xc0) === 0x80) skip++;
      buf = buf.subarray(skip);
    }
    return { text: buf.toString('utf8'), end: size, truncated };
  } finally {
    await fh.close();
  }
}
