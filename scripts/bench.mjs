// Latency of CLI round trips against a warm daemon, as ratios to a bare `node`
// start measured in the same run (absolute times vary with the machine's load).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'bgr-bench-'));
const env = { ...process.env, XDG_CONFIG_HOME: join(root, 'c'), XDG_STATE_HOME: join(root, 's'), XDG_CACHE_HOME: join(root, 'k'), XDG_RUNTIME_DIR: join(root, 'r') };
const cli = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const run = (args) => execFileSync(process.execPath, args, { env, stdio: 'pipe' });
const time = (fn, n) => {
  const t = [];
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
};
try {
  const cold = time(() => run([cli, 'vm', 'list', '--json']), 1);
  const baseline = time(() => run(['-e', '']), 15);
  const warm = time(() => run([cli, 'vm', 'list', '--json']), 15);
  const help = time(() => run([cli, '--help']), 15);
  console.log(`baseline node -e '' median ${baseline.toFixed(1)} ms`);
  console.log(`banger --help          median ${help.toFixed(1)} ms  ratio ${(help / baseline).toFixed(2)}x`);
  console.log(`banger vm list (warm)  median ${warm.toFixed(1)} ms  ratio ${(warm / baseline).toFixed(2)}x  (over baseline +${(warm - baseline).toFixed(1)} ms)`);
  console.log(`banger vm list (cold, auto-starts bangerd) ${cold.toFixed(1)} ms  ratio ${(cold / baseline).toFixed(2)}x`);
} finally {
  try { run([cli, 'daemon', 'stop']); } catch { /* best effort */ }
  rmSync(root, { recursive: true, force: true });
}
