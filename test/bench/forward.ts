/**
 * Port-forward bench (issue 17), one run, through the built CLI and a real
 * bangerd with a QEMU VM (TCG here) in a throwaway network namespace:
 *  - throughput of a 200 MB TCP transfer from a guest-side sender (busybox nc
 *    serving dd from /dev/zero), read through the forward (127.0.0.1:HOST_PORT)
 *    against read directly from the guest IP; alternating, median of each;
 *    goal: forwarded/direct ≥ 0.8;
 *  - latency of small HTTP requests (busybox httpd, a new connection each,
 *    median of N) through the forward against direct: the added time per request.
 * Clients run inside the namespace, where bangerd and the bridge are. Prints
 * figures, asserts nothing. Needs root. Run: npm run bench:forward
 * (BENCH_REPEAT=N transfers each way, default 3; BENCH_REQUESTS=N, default 200)
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonData } from '../helpers/cli-json.js';
import { SmokeRig } from '../smoke/smoke-rig.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const MB = 200;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs in the namespace: `pull HOST PORT` reads to EOF, `http HOST PORT N` times N GETs. Prints JSON. */
const CLIENT = `
import { connect } from 'node:net';
import { request } from 'node:http';
const [mode, host, port, n] = process.argv.slice(2);
if (mode === 'pull') {
  const t0 = performance.now();
  let bytes = 0;
  const s = connect({ host, port: Number(port) });
  s.on('data', (d) => (bytes += d.length));
  s.on('end', () => console.log(JSON.stringify({ bytes, ms: performance.now() - t0 })));
  s.on('error', (e) => { console.error(e.message); process.exit(1); });
} else {
  const times = [];
  const one = () => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host, port: Number(port), path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => { times.push(performance.now() - t0); resolve(); });
    });
    req.on('error', reject);
    req.end();
  });
  for (let i = 0; i < Number(n); i++) await one();
  console.log(JSON.stringify({ times }));
}
`;

async function cli(rig: SmokeRig, args: string[]): Promise<string> {
  const r = await rig.cli(args, { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`banger ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function main(): Promise<void> {
  const rig = new SmokeRig({ tempPrefix: 'bgbf-', netnsTag: 'bfwd' });
  try {
    const built = await rig.buildDefaultImage();
    if (built.code !== 0) throw new Error(`image build failed: ${built.stderr}`);
    const name = 'bench-fwd';
    const vm = jsonData(await cli(rig, ['vm', 'create', '--name', name, '--json'])) as { runtime: { guestIP: string } };
    const ip = vm.runtime.guestIP;
    // A persistent sender (nc -ll: a new dd per connection) and a small web page.
    await cli(rig, [
      'vm', 'ssh', name, '--', 'sh', '-c',
      `printf '#!/bin/sh\\nexec dd if=/dev/zero bs=1048576 count=${MB} 2>/dev/null\\n' > /tmp/send && chmod +x /tmp/send && ` +
        '(setsid busybox nc -ll -p 9000 -e /tmp/send </dev/null >/dev/null 2>&1 &) && ' +
        'mkdir -p /tmp/www && echo ok > /tmp/www/index.html && busybox httpd -p 8080 -h /tmp/www',
    ]);
    await cli(rig, ['vm', 'forward', name, '19000:9000']);
    await cli(rig, ['vm', 'forward', name, '18080:8080']);
    const client = join(rig.temp.root, 'client.mjs');
    writeFileSync(client, CLIENT);
    const run = (...args: string[]) => JSON.parse(execFileSync('ip', ['netns', 'exec', rig.netns.name, process.execPath, client, ...args], { encoding: 'utf8', timeout: 600_000 })) as Record<string, unknown>;

    // Warm-up (guest page cache, TCG translation of the paths), then alternate.
    run('pull', ip, '9000');
    run('http', ip, '8080', '10');
    const direct: number[] = [];
    const forwarded: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      for (const [host, port, out] of [[ip, '9000', direct], ['127.0.0.1', '19000', forwarded]] as const) {
        const r = run('pull', host, port) as { bytes: number; ms: number };
        if (r.bytes !== MB * 1024 * 1024) throw new Error(`short transfer from ${host}:${port}: ${r.bytes} bytes`);
        out.push((r.bytes / 1024 / 1024) / (r.ms / 1000));
      }
    }
    const latDirect = median((run('http', ip, '8080', String(REQUESTS)) as { times: number[] }).times);
    const latFwd = median((run('http', '127.0.0.1', '18080', String(REQUESTS)) as { times: number[] }).times);
    const latDirect2 = median((run('http', ip, '8080', String(REQUESTS)) as { times: number[] }).times);

    const d = median(direct);
    const f = median(forwarded);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(`forward bench (one run; ${MB} MB transfers × ${REPEAT} each way, alternating; ${REQUESTS} HTTP requests each way)`);
    console.log(`  TCP throughput direct to ${ip}:9000   median ${d.toFixed(1)} MB/s  (${fmt(direct)})`);
    console.log(`  TCP throughput via 127.0.0.1:19000    median ${f.toFixed(1)} MB/s  (${fmt(forwarded)})`);
    console.log(`  ratio forwarded/direct                ${(f / d).toFixed(2)}  (goal ≥ 0.8)`);
    console.log(`  HTTP request, new connection: direct median ${latDirect.toFixed(2)} ms (again after: ${latDirect2.toFixed(2)} ms), forwarded median ${latFwd.toFixed(2)} ms`);
    console.log(`  added latency per request             ${(latFwd - (latDirect + latDirect2) / 2).toFixed(2)} ms`);
  } finally {
    await rig.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
