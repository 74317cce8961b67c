/**
 * Supervisor bench (issue 3): 200 stand-in VMs created, started, stopped and
 * deleted concurrently through a real bangerd's RPC socket (the daemon runs in
 * a throwaway network namespace, so its bridge and taps die with it). Prints
 * wall time per phase, p50/p99 per RPC and per VM state (from the
 * vm.transition stream), daemon RSS before/after, and leaked resources; then
 * `vm list --json` over 1000 VMs via RPC and via the CLI, next to a bare
 * `node -e 0` start as the baseline.
 *
 * Targets: all 200 through the lifecycle in < 5 s of control-plane time, zero
 * leaks, vm list over 1000 VMs < 50 ms.
 *
 * Run (as root): npm run bench:supervisor   (BENCH_VMS=200, BENCH_LIST_VMS=1000, BENCH_TAP_POOL=8)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VmTransition } from '../../src/model/index.js';
import type { RpcClient } from '../../src/rpc/index.js';
import { NetnsDaemon } from '../helpers/netns-daemon.js';
import { jsonData } from '../helpers/cli-json.js';

const N = Number(process.env.BENCH_VMS ?? 200);
const LIST_N = Number(process.env.BENCH_LIST_VMS ?? 1000);
const POOL = Number(process.env.BENCH_TAP_POOL ?? 8);
const ROOT = process.cwd();
const DAEMON = join(ROOT, 'dist/src/daemon/main.js');
const CLI = join(ROOT, 'dist/src/cli/main.js');

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const rssMiB = (pid: number) => {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
};

async function phase(name: string, c: RpcClient, names: string[], call: (n: string) => Promise<unknown>): Promise<{ wall: number; lat: number[]; failed: string[] }> {
  const lat: number[] = [];
  const failed: string[] = [];
  const t0 = performance.now();
  await Promise.all(
    names.map(async (n) => {
      const s = performance.now();
      try {
        await call(n);
      } catch (err) {
        failed.push(`${n}: ${(err as Error).message}`);
      }
      lat.push(performance.now() - s);
    }),
  );
  const wall = performance.now() - t0;
  console.log(`${name.padEnd(8)} wall ${ms(wall).padStart(10)}   rpc p50 ${ms(pct(lat, 50)).padStart(10)}  p99 ${ms(pct(lat, 99)).padStart(10)}   failed ${failed.length}`);
  for (const f of failed.slice(0, 3)) console.log(`         ${f}`);
  return { wall, lat, failed };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the supervisor bench needs root (network namespace, taps)');
  if (!existsSync(DAEMON)) throw new Error(`${DAEMON} is missing: npm run build`);
  const d = new NetnsDaemon({ daemonMain: DAEMON, tapPoolSize: POOL, logLevel: 'warn', nodeArgs: (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean) });
  try {
    await d.start();
    const c = await d.client();
    const sub = await d.client();
    const transitions: (VmTransition & { t: number })[] = [];
    sub.onNotification((m, p) => {
      if (m === 'vm.transition') transitions.push({ ...(p as VmTransition), t: performance.now() });
    });
    await sub.call('events.subscribe', { topics: ['vm.transition'] });
    // Warm up: start the actor system (bridge, pool, DNS) outside the timed phases.
    await c.call('vm.create', { name: 'warmup' });
    await c.call('vm.delete', { name: 'warmup' });
    const pid = d.pid!;
    const rssBefore = rssMiB(pid);

    console.log(`\n== ${N} stand-in VMs, concurrent, through bangerd's RPC (daemon pid ${pid}) ==`);
    const names = Array.from({ length: N }, (_, i) => `b-${String(i).padStart(4, '0')}`);
    const total0 = performance.now();
    const phases = [
      await phase('create', c, names, (name) => c.call('vm.create', { name, noStart: true })),
      await phase('start', c, names, (name) => c.call('vm.start', { name })),
      await phase('stop', c, names, (name) => c.call('vm.stop', { name })),
      await phase('delete', c, names, (name) => c.call('vm.delete', { name })),
    ];
    const total = performance.now() - total0;
    const rssAfter = rssMiB(pid);
    console.log(`lifecycle total wall ${ms(total)} (target < 5000 ms) → ${(total / 5000).toFixed(2)}× the budget`);

    // Time spent in each state, from consecutive transitions of the same VM.
    const byVm = new Map<string, (VmTransition & { t: number })[]>();
    for (const t of transitions) if (t.name !== 'warmup') byVm.set(t.vmId, [...(byVm.get(t.vmId) ?? []), t]);
    const dwell = new Map<string, number[]>();
    for (const ts of byVm.values()) {
      for (let i = 0; i + 1 < ts.length; i++) {
        const st = ts[i]!.to;
        if (!dwell.has(st)) dwell.set(st, []);
        dwell.get(st)!.push(ts[i + 1]!.t - ts[i]!.t);
      }
    }
    console.log('time in state (from the vm.transition stream):');
    for (const [st, xs] of dwell) console.log(`  ${st.padEnd(22)} n ${String(xs.length).padStart(4)}  p50 ${ms(pct(xs, 50)).padStart(10)}  p99 ${ms(pct(xs, 99)).padStart(10)}`);
    console.log(`daemon RSS before ${rssBefore.toFixed(1)} MiB, after ${rssAfter.toFixed(1)} MiB (Δ ${(rssAfter - rssBefore).toFixed(1)} MiB)`);

    // Leaks after delete: rows, VM dirs, stand-in processes, taps beyond the pool's ready ones.
    // Surplus taps go back to the helper asynchronously after each stop: give that a bounded wait.
    const settle0 = performance.now();
    while (d.taps().length > POOL && performance.now() - settle0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    console.log(`surplus taps deleted ${ms(performance.now() - settle0)} after the last delete`);
    const rows = (await c.call('vm.list', {})).length;
    const vmDirs = existsSync(d.layout.vmsDir) ? readdirSync(d.layout.vmsDir).length : 0;
    const procs = d.standinPids().length;
    const taps = d.taps().length;
    const failures = phases.reduce((a, p) => a + p.failed.length, 0);
    console.log(`leaks: rows ${rows}, vm dirs ${vmDirs}, stand-in processes ${procs}, taps ${taps} (pool size ${POOL}; ${Math.max(0, taps - POOL)} over it), failed calls ${failures}`);

    if (LIST_N === 0) {
      await d.stop();
      console.log(`leaked taps (left after a graceful daemon stop, which deletes the pool's ready taps): ${d.taps().length}`);
      return;
    }
    console.log(`\n== vm list over ${LIST_N} VMs ==`);
    const listNames = Array.from({ length: LIST_N }, (_, i) => `l-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < listNames.length; i += 100) {
      await Promise.all(listNames.slice(i, i + 100).map((name) => c.call('vm.create', { name, noStart: true })));
    }
    const rpc: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      const vms = await c.call('vm.list', {});
      rpc.push(performance.now() - s);
      if (vms.length !== LIST_N) throw new Error(`vm.list returned ${vms.length}`);
    }
    const node0: number[] = [];
    const cli: number[] = [];
    for (let i = 0; i < 10; i++) {
      let s = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      node0.push(performance.now() - s);
      s = performance.now();
      const r = spawnSync(process.execPath, [CLI, 'vm', 'list', '--json'], { env: d.temp.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      cli.push(performance.now() - s);
      if (r.status !== 0) throw new Error(`banger vm list failed: ${r.stderr}`);
      if (i === 0 && (jsonData(r.stdout) as unknown[]).length !== LIST_N) throw new Error('CLI list length mismatch');
    }
    const rpc50 = pct(rpc, 50);
    const cli50 = pct(cli, 50);
    const node50 = pct(node0, 50);
    console.log(`RPC vm.list         p50 ${ms(rpc50)}  p99 ${ms(pct(rpc, 99))}  (target < 50 ms) → ${(rpc50 / 50).toFixed(2)}× the budget`);
    console.log(`CLI vm list --json  p50 ${ms(cli50)}  (node -e 0 baseline p50 ${ms(node50)}; CLI minus baseline ${ms(cli50 - node50)} → ${((cli50 - node50) / 50).toFixed(2)}× the budget)`);
    await d.stop();
    console.log(`leaked taps (left after a graceful daemon stop, which deletes the pool's ready taps): ${d.taps().length}`);
  } finally {
    await d.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
