// CLI start-up against a warm daemon, as ratios to a bare `node -e 0` measured in the same run
// (absolute times vary with the machine's load). Runs are interleaved (baseline, --help, vm list,
// baseline, ...) so load that comes and goes hits every case alike; medians of each.
// Goal (issue 18): `banger --help` and `banger vm list` on an empty list within 1.3x the baseline.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GOAL = 1.3;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 31);
const root = mkdtempSync(join(tmpdir(), 'bgr-bench-'));
const env = { ...process.env, XDG_CONFIG_HOME: join(root, 'c'), XDG_STATE_HOME: join(root, 's'), XDG_CACHE_HOME: join(root, 'k'), XDG_RUNTIME_DIR: join(root, 'r') };
const cli = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const run = (args) => execFileSync(process.execPath, args, { env, stdio: 'pipe' });
const ms = (fn) => {
  const s = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - s) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cases = {
  baseline: { label: "node -e 0", argv: ['-e', '0'] },
  help: { label: 'banger --help', argv: [cli, '--help'], goal: true },
  list: { label: 'banger vm list (empty, warm daemon)', argv: [cli, 'vm', 'list'], goal: true },
  listJson: { label: 'banger vm list --json (empty)', argv: [cli, 'vm', 'list', '--json'] },
};
try {
  const cold = ms(() => run([cli, 'vm', 'list', '--json']));
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < 3; i++) for (const c of Object.values(cases)) run(c.argv); // warm the page cache
  for (let i = 0; i < ROUNDS; i++) for (const [k, c] of Object.entries(cases)) samples[k].push(ms(() => run(c.argv)));
  const base = median(samples.baseline);
  let missed = 0;
  for (const [k, c] of Object.entries(cases)) {
    const m = median(samples[k]);
    const ratio = m / base;
    const verdict = c.goal ? (ratio <= GOAL ? `  within ${GOAL}x` : `  OVER ${GOAL}x`) : '';
    if (c.goal && ratio > GOAL) missed++;
    console.log(`${c.label.padEnd(38)} median ${m.toFixed(1).padStart(6)} ms  ${ratio.toFixed(2)}x${verdict}`);
  }
  console.log(`${'banger vm list (cold, starts bangerd)'.padEnd(38)}        ${cold.toFixed(1).padStart(6)} ms  ${(cold / base).toFixed(2)}x`);
  console.log(`${ROUNDS} interleaved rounds; ${missed === 0 ? 'start-up goal met' : `${missed} case(s) over the ${GOAL}x goal`}`);
} finally {
  try {
    run([cli, 'daemon', 'stop']);
  } catch {
    // best effort: the daemon may not have started
  }
  rmSync(root, { recursive: true, force: true });
}
