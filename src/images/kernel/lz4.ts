/**
 * LZ4 "legacy" frames, the format of an x86 kernel built with
 * CONFIG_KERNEL_LZ4 (`lz4 -l`): the magic 0x184C2102, then blocks each
 * preceded by its compressed size (u32 LE), each decompressing to at most
 * 8 MiB independently of the others. The kernel appends the decompressed size
 * (u32 LE) after the last block; anything that cannot be a block ends the
 * stream. Pure TypeScript so banger needs no lz4 tool on the host: a Debian
 * cloud kernel is this format.
 *
 * Every malformed input ends in an Lz4Error (every loop step consumes input
 * or writes bounded output), never a hang or an out-of-bounds read.
 */

export const LZ4_LEGACY_MAGIC = 0x184c2102;
/** lz4's legacy block size: each block decompresses to at most this. */
const LEGACY_BLOCK_MAX = 8 * 1024 * 1024;
/** LZ4_compressBound(8 MiB): a legal block is never larger. */
const LEGACY_CHUNK_MAX = LEGACY_BLOCK_MAX + Math.floor(LEGACY_BLOCK_MAX / 255) + 16;

export class Lz4Error extends Error {}

/**
 * Decodes one raw LZ4 block from `src` into `dst`; returns the bytes written.
 * @throws Lz4Error on a truncated block, a match before the output start, or output past `dst`.
 */
export function decodeLz4Block(src: Uint8Array, dst: Uint8Array): number {
  let ip = 0;
  let op = 0;
  const readLength = (base: number): number => {
    let len = base;
    if (base !== 15) return len;
    for (;;) {
      if (ip >= src.length) throw new Lz4Error(`truncated length at input byte ${ip}`);
      const b = src[ip++]!;
      len += b;
      if (b !== 255) return len;
    }
  };
  while (ip < src.length) {
    const token = src[ip++]!;
    const litLen = readLength(token >>> 4);
    if (ip + litLen > src.length) throw new Lz4Error(`literals run past the block end at input byte ${ip}`);
    if (op + litLen > dst.length) throw new Lz4Error(`output larger than ${dst.length} bytes`);
    dst.set(src.subarray(ip, ip + litLen), op);
    ip += litLen;
    op += litLen;
    // The last sequence has literals only.
    if (ip === src.length) break;
    if (ip + 2 > src.length) throw new Lz4Error(`truncated match offset at input byte ${ip}`);
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Lz4Error(`match offset ${offset} points before the output start (at output byte ${op})`);
    const matchLen = readLength(token & 15) + 4;
    if (op + matchLen > dst.length) throw new Lz4Error(`output larger than ${dst.length} bytes`);
    let from = op - offset;
    if (offset >= matchLen) {
      dst.copyWithin(op, from, from + matchLen);
      op += matchLen;
    } else {
      // Overlapping match: a repeated pattern, copied byte by byte on purpose.
      for (let i = 0; i < matchLen; i++) dst[op++] = dst[from++]!;
    }
  }
  return op;
}

/**
 * Yields each decoded block of a legacy frame (the caller may pause between
 * blocks: a kernel is ~50 MiB). A block copy is yielded, so the scratch
 * buffer is reused.
 * @throws Lz4Error when the magic is missing or a block is malformed.
 */
export function* lz4LegacyBlocks(input: Uint8Array): Generator<Buffer> {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (input.length < 4 || view.getUint32(0, true) !== LZ4_LEGACY_MAGIC) throw new Lz4Error('not an LZ4 legacy frame (magic 0x184C2102 missing)');
  const scratch = Buffer.allocUnsafe(LEGACY_BLOCK_MAX);
  let pos = 4;
  let blocks = 0;
  while (pos + 4 <= input.length) {
    const size = view.getUint32(pos, true);
    // Concatenated frames (lz4 -l of several inputs) repeat the magic.
    if (size === LZ4_LEGACY_MAGIC) {
      pos += 4;
      continue;
    }
    // What follows the last block (the kernel's size trailer, padding) is not a block.
    if (size === 0 || size > LEGACY_CHUNK_MAX || pos + 4 + size > input.length) {
      if (blocks === 0) throw new Lz4Error(`first block size ${size} does not fit the ${input.length - pos - 4} bytes that follow`);
      return;
    }
    pos += 4;
    let n: number;
    try {
      n = decodeLz4Block(input.subarray(pos, pos + size), scratch);
    } catch (e) {
      throw new Lz4Error(`block ${blocks} (input byte ${pos}): ${(e as Error).message}`);
    }
    pos += size;
    blocks++;
    yield Buffer.from(scratch.subarray(0, n));
  }
  if (blocks === 0) throw new Lz4Error('the LZ4 legacy frame has no block');
}

/** The whole decompressed stream of a legacy frame. */
export function decodeLz4Legacy(input: Uint8Array): Buffer {
  return Buffer.concat([...lz4LegacyBlocks(input)]);
}
