/**
 * Storage bench (issue 5): time to create a per-VM system overlay for a 1 GiB
 * and an 8 GiB image. A qcow2 overlay with a backing file must not read the
 * image, so the 8G/1G ratio stays near 1 (target < 1.5). The sparse-copy
 * fallback is timed on the same files as the contrast: it scales with data.
 *
 * Run: npm run bench:storage   (BENCH_REPEAT=N, default 5)
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOverlay, removeOverlay } from '../../src/host/storage/index.js';
import { GiB, MiB } from '../../src/model/index.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);

/** A raw image with real data every 16 MiB, so a copy has to read and write it. */
async function makeImage(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  const chunk = Buffer.alloc(MiB, 0xab);
  for (let off = 0; off < size; off += 16 * MiB) await fh.write(chunk, 0, chunk.length, off);
  await fh.truncate(size);
  await fh.sync();
  await fh.close();
}

async function time(kind: 'qcow2' | 'sparse-copy', backing: string, dir: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const overlay = join(dir, `ov-${kind}-${i}`);
    const t0 = process.hrtime.bigint();
    await createOverlay({ backingPath: backing, overlayPath: overlay, kind });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await removeOverlay(overlay);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'banger-bench-storage-'));
  try {
    const img1 = join(dir, 'img-1g.ext4');
    const img8 = join(dir, 'img-8g.ext4');
    await makeImage(img1, 1 * GiB);
    await makeImage(img8, 8 * GiB);
    const q1 = await time('qcow2', img1, dir);
    const q8 = await time('qcow2', img8, dir);
    const c1 = await time('sparse-copy', img1, dir);
    const c8 = await time('sparse-copy', img8, dir);
    const ratio = q8 / q1;
    console.log(`overlay creation, median of ${REPEAT}:`);
    console.log(`  qcow2        1G ${q1.toFixed(1)} ms   8G ${q8.toFixed(1)} ms   ratio 8G/1G ${ratio.toFixed(2)} (target < 1.5)`);
    console.log(`  sparse-copy  1G ${c1.toFixed(1)} ms   8G ${c8.toFixed(1)} ms   ratio 8G/1G ${(c8 / c1).toFixed(2)} (fallback, for contrast)`);
    console.log(`  qcow2 vs sparse-copy at 8G: ${(c8 / q8).toFixed(1)}x faster`);
    if (ratio >= 1.5) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
