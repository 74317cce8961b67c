#!/usr/bin/env node
/**
 * Before/after in one run: builds <base-ref> in a throwaway worktree, then runs
 * the supervisor and boot benches alternately on the base and on this tree
 * (base, head, base, head…) so load drifts hit both sides alike, and prints
 * head/base ratios of the medians. A refactor is "no slower" when the ratios
 * sit near 1.
 *
 * Run (as root): node scripts/bench-compare.mjs <base-ref> [rounds=2]
 *   BENCH_PROFILES (default minimal) and BENCH_REPEAT (default 1) reach the boot bench; BENCH_ONLY=supervisor|boot picks one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base = 'HEAD~1', roundsArg = '2'] = process.argv.slice(2);
const rounds = Number(roundsArg);
const head = process.cwd();
const wt = mkdtempSync(join(tmpdir(), 'banger-bench-base-'));
const env = { ...process.env, BENCH_PROFILES: process.env.BENCH_PROFILES ?? 'minimal', BENCH_REPEAT: process.env.BENCH_REPEAT ?? '1' };

const git = (...args) => execFileSync('git', args, { cwd: head, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const build = (dir) => {
  for (const args of [['run', 'build'], ['exec', '--', 'tsc', '-p', 'tsconfig.bench.json']]) {
    const r = spawnSync('npm', args, { cwd: dir, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`build failed in ${dir}`);
  }
};
/** Runs one bench in `dir` and returns the number its summary line carries. */
const measure = (dir, script, pattern) => {
  const r = spawnSync('node', [script], { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const m = pattern.exec(r.stdout);
  // The boot bench exits 1 when a ratio misses its target; its summary line still counts.
  if (!m) throw new Error(`${script} in ${dir} failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return Number(m[1]);
};
const ALL = [
  { name: 'supervisor lifecycle wall (ms)', script: '.bench-dist/test/bench/supervisor.js', pattern: /lifecycle total wall ([\d.]+) ms/ },
  { name: 'boot banger/raw ratio', script: '.bench-dist/test/bench/boot.js', pattern: /ratio banger\/raw\s+([\d.]+)/ },
];
/** BENCH_ONLY=supervisor (or boot) runs one of them. */
const BENCHES = ALL.filter((b) => !process.env.BENCH_ONLY || b.script.includes(process.env.BENCH_ONLY));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  git('worktree', 'add', '--detach', wt, base);
  if (!existsSync(join(wt, 'node_modules'))) symlinkSync(join(head, 'node_modules'), join(wt, 'node_modules'));
  build(wt);
  build(head);
  const results = BENCHES.map(() => ({ base: [], head: [] }));
  for (let round = 1; round <= rounds; round++) {
    BENCHES.forEach((b, i) => {
      for (const [side, dir] of [['base', wt], ['head', head]]) {
        const v = measure(dir, b.script, b.pattern);
        results[i][side].push(v);
        console.log(`round ${round} ${side.padEnd(4)} ${b.name}: ${v}`);
      }
    });
  }
  console.log(`\nbase ${git('rev-parse', '--short', base).trim()} vs head ${git('rev-parse', '--short', 'HEAD').trim()}, medians of ${rounds}:`);
  BENCHES.forEach((b, i) => {
    const mb = median(results[i].base);
    const mh = median(results[i].head);
    console.log(`  ${b.name.padEnd(32)} base ${mb}  head ${mh}  head/base ${(mh / mb).toFixed(3)}`);
  });
} finally {
  spawnSync('git', ['worktree', 'remove', '--force', wt], { cwd: head, stdio: 'inherit' });
  rmSync(wt, { recursive: true, force: true });
}
