import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { inflateRawSync } from 'node:zlib';
import { InvalidInputError } from '../../errors/index.js';
import { runStatus } from '../../host/exec/index.js';
import type { PayloadCompression } from './bzimage.js';
import { validateVmlinux } from './elf.js';
import { Lz4Error, lz4LegacyBlocks } from './lz4.js';

/**
 * Decompresses a bzImage payload. gzip and LZ4 (the Debian cloud kernel's)
 * are decoded in-process; the rarer formats go through the standard tool,
 * which is then a host requirement only for kernels built that way.
 */

const TOOLS: Record<Exclude<PayloadCompression, 'gzip' | 'lz4'>, { cmd: string; args: string[]; pkg: string }> = {
  // --single-stream: the kernel appends its size after the stream; xz would call that a corrupt second stream.
  xz: { cmd: 'xz', args: ['--single-stream', '-dc'], pkg: 'xz-utils' },
  lzma: { cmd: 'xz', args: ['--format=lzma', '-dc'], pkg: 'xz-utils' },
  zstd: { cmd: 'zstd', args: ['-dc'], pkg: 'zstd' },
  bzip2: { cmd: 'bzip2', args: ['-dc'], pkg: 'bzip2' },
  lzo: { cmd: 'lzop', args: ['-dc'], pkg: 'lzop' },
};

/**
 * @param what names the kernel in errors.
 * @throws InvalidInputError `image.bad_kernel` when the payload does not decode; HostError `host.tool_missing` (naming the package) when the tool is not installed.
 */
export async function decompressPayload(kind: PayloadCompression, payload: Uint8Array, what: string, signal?: AbortSignal): Promise<Buffer> {
  if (kind === 'gzip') return gunzipFirstMember(payload, what);
  if (kind === 'lz4') return lz4Stream(payload, what, signal);
  const tool = TOOLS[kind];
  // The payload sits inside the bzImage: the tool reads it from a private temp file.
  const dir = await mkdtemp(join(tmpdir(), 'banger-kernel-'));
  let res;
  try {
    const file = join(dir, `payload.${kind}`);
    await writeFile(file, payload, { mode: 0o600 });
    res = await runStatus(tool.cmd, [...tool.args, file], {
      binary: true,
      signal,
      hint: `install ${tool.pkg} (apt-get install ${tool.pkg}) to read ${kind}-compressed kernels`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // The kernel's size trailer (or padding) after the stream makes some tools exit non-zero
  // after writing the whole kernel: then a complete ELF is what counts, and half of one is the tool's failure.
  if (res.exitCode === 0 || wholeElf(res.stdoutBuffer)) return res.stdoutBuffer;
  const detail = res.stderr.trim().split('\n').at(-1) ?? '';
  throw new InvalidInputError(`${what}: ${tool.cmd} could not decompress its ${kind} payload${detail ? `: ${detail}` : ''}`, {
    code: 'image.bad_kernel',
    hint: `check the kernel file is complete (compare it with the package's); ${tool.cmd} exited ${res.exitCode ?? 'by signal'}`,
  });
}

/** Decodes block by block, letting the event loop run between 8 MiB blocks (bangerd keeps answering). */
async function lz4Stream(payload: Uint8Array, what: string, signal?: AbortSignal): Promise<Buffer> {
  const parts: Buffer[] = [];
  try {
    for (const block of lz4LegacyBlocks(payload)) {
      parts.push(block);
      signal?.throwIfAborted();
      await nextTurn();
    }
  } catch (e) {
    if (e instanceof Lz4Error) throw new InvalidInputError(`${what}: corrupt LZ4 payload: ${e.message}`, { code: 'image.bad_kernel', hint: 'the kernel file is damaged: fetch the kernel package again' });
    throw e;
  }
  return Buffer.concat(parts);
}

/**
 * gzip header (RFC 1952) skipped by hand, then raw inflate: zlib's gunzip
 * refuses bytes after the member, and a kernel payload may carry some.
 */
function gunzipFirstMember(bytes: Uint8Array, what: string): Buffer {
  const fail = (reason: string) => new InvalidInputError(`${what}: corrupt gzip payload: ${reason}`, { code: 'image.bad_kernel', hint: 'the kernel file is damaged: fetch the kernel package again' });
  if (bytes.length < 18 || bytes[2] !== 8) throw fail('not deflate');
  const flags = bytes[3]!;
  let p = 10;
  if (flags & 4) p += 2 + (bytes[p]! | (bytes[p + 1]! << 8));
  const skipString = () => {
    while (p < bytes.length && bytes[p] !== 0) p++;
    p++;
  };
  if (flags & 8) skipString();
  if (flags & 16) skipString();
  if (flags & 2) p += 2;
  if (p >= bytes.length) throw fail('truncated header');
  try {
    return inflateRawSync(bytes.subarray(p));
  } catch (e) {
    throw fail((e as Error).message);
  }
}

function wholeElf(bytes: Buffer): boolean {
  try {
    validateVmlinux(bytes);
    return true;
  } catch {
    return false;
  }
}
