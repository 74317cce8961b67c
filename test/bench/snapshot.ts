/**
 * Snapshot bench (issue 15), one run, ratios, through the built CLI and a real
 * bangerd with QEMU (TCG here) in a throwaway network namespace:
 *  - warm `vm run --rm -- true` against cold (`--cold`), alternating; goal ≤ 0.3,
 *    and a warm run under 2 s on this machine;
 *  - `vm fork` of a stopped VM with an 8G work disk against one with 1G; goal ≤ 1.2
 *    (layers, not copies: O(1) in disk size);
 *  - the state file of an idle guest's snapshot against its memory size (reported:
 *    QEMU's stream skips zero pages).
 * Needs root. Run: npm run bench:snapshot   (BENCH_REPEAT=N, default 3)
 */
import { SmokeRig } from '../smoke/smoke-rig.js';
import { jsonData } from '../helpers/cli-json.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(rig: SmokeRig, args: string[]): Promise<{ ms: number; stdout: string; stderr: string }> {
  const t0 = performance.now();
  const r = await rig.cli(args, { timeoutMs: 600_000 });
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`banger ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

async function main(): Promise<void> {
  const rig = new SmokeRig({ tempPrefix: 'bgb-', netnsTag: 'bench' });
  try {
    const built = await rig.buildDefaultImage();
    if (built.code !== 0) throw new Error(`image build failed: ${built.stderr}`);
    // First use: boots cold and leaves the image's warm snapshot behind.
    await timed(rig, ['vm', 'run', '--rm', '--', 'true']);

    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const c = await timed(rig, ['vm', 'run', '--rm', '--cold', '--', 'true']);
      if (!/cold boot/.test(c.stderr)) throw new Error(`--cold did not boot cold: ${c.stderr}`);
      cold.push(c.ms);
      const w = await timed(rig, ['vm', 'run', '--rm', '--', 'true']);
      if (!/started warm/.test(w.stderr)) throw new Error(`no warm start: ${w.stderr}`);
      warm.push(w.ms);
    }

    // Fork cost against work-disk size: two stopped VMs, 1G and 8G, forked alternately.
    for (const [name, size] of [['bench-1g', '1G'], ['bench-8g', '8G']] as const) {
      await timed(rig, ['vm', 'create', '--name', name, '--disk-size', size, '--cold']);
      await timed(rig, ['vm', 'stop', name]);
    }
    const fork1: number[] = [];
    const fork8: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      for (const [src, out] of [['bench-1g', fork1], ['bench-8g', fork8]] as const) {
        const f = await timed(rig, ['vm', 'fork', src, '--name', `${src}-f${i}`, '--no-start']);
        out.push(f.ms);
        await timed(rig, ['vm', 'delete', `${src}-f${i}`]);
      }
    }

    // An idle guest's state file against its memory.
    await timed(rig, ['vm', 'create', '--name', 'bench-idle', '--memory', '512', '--cold']);
    await new Promise((r) => setTimeout(r, 5000));
    const snap = jsonData((await timed(rig, ['vm', 'snapshot', 'create', 'bench-idle', '--name', 'bench-idle-s', '--json'])).stdout) as { sizeBytes: number; pausedMs: number; spec: { memoryMiB: number } };

    const row = (label: string, xs: number[]) => console.log(`${label.padEnd(34)} median ${median(xs).toFixed(0).padStart(6)} ms  (${xs.map((x) => x.toFixed(0)).join(', ')})`);
    row('cold vm run --rm -- true', cold);
    row('warm vm run --rm -- true', warm);
    row('fork, 1G work disk', fork1);
    row('fork, 8G work disk', fork8);
    const ratio = median(warm) / median(cold);
    const forkRatio = median(fork8) / median(fork1);
    const memRatio = snap.sizeBytes / (snap.spec.memoryMiB * 1024 * 1024);
    console.log(`warm/cold ${ratio.toFixed(2)} (goal <= 0.30)${ratio <= 0.3 ? '' : '  MISSED'}; warm median ${(median(warm) / 1000).toFixed(2)} s (target < 2 s)`);
    console.log(`fork 8G/1G ${forkRatio.toFixed(2)} (goal <= 1.20)${forkRatio <= 1.2 ? '' : '  MISSED'}`);
    console.log(`idle snapshot ${(snap.sizeBytes / 1e6).toFixed(1)} MB for ${snap.spec.memoryMiB} MiB of memory: ${memRatio.toFixed(2)} of guest memory; guest paused ${snap.pausedMs} ms`);
  } finally {
    await rig.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
