import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RpcClient } from '../../../src/rpc/index.js';
import { runNodeAsUser } from '../../helpers/as-user.js';
import { buildDist } from '../../helpers/build.js';
import { gated, randomSuffix, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { CLI_MAIN, waitGone } from '../../helpers/rig.js';
import { openSse, uiHeaders, uiRequest, type SseStream } from '../../helpers/ui-http.js';
import { createTestUser, type TestUser } from '../../helpers/users.js';

/**
 * The built `banger ui` against a real bangerd with stand-in VMs: a VM's
 * whole life through the HTTP API with the daemon and the event stream
 * agreeing, every kind of forged request refused with nothing changed, no
 * listener beyond loopback, and nothing for another local user.
 */
const missing = requiresNetns();

/** This host's addresses that are not loopback (ip -j addr). */
function nonLoopbackAddresses(): string[] {
  const links = JSON.parse(execFileSync('ip', ['-j', 'addr'], { encoding: 'utf8' })) as Array<{ addr_info?: Array<{ local: string; scope: string }> }>;
  return links.flatMap((l) => l.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => a.local);
}

function connectResult(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 3000 });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('timeout', () => {
      s.destroy();
      resolve('timeout');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe.skipIf(missing !== null)(gated('banger ui (built CLI) against bangerd with stand-in VMs', missing), () => {
  let d: NetnsDaemon | undefined;
  let ui: ChildProcess | undefined;
  let bin: string | undefined;
  let user: TestUser | undefined;
  let client: RpcClient;
  let port = 0;
  let token = '';
  let uiOut = '';
  const vmName = `ui-${randomSuffix(6)}`;

  const names = async () => (await client.call('vm.list', {})).map((v) => v.name).sort();

  beforeAll(async () => {
    buildDist();
    d = new NetnsDaemon({ tempPrefix: 'bgui-', netnsTag: 'uisrv' });
    await d.start();
    client = await d.client();
    // A stand-in xdg-open that records its arguments: the test sees what a browser would be given, and no browser starts.
    bin = mkdtempSync(join(tmpdir(), 'bgui-bin-'));
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${bin}/xdg-open.args'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const env = { ...(d.temp.env as NodeJS.ProcessEnv), PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
    const proc = spawn(process.execPath, [CLI_MAIN, 'ui', '--port', '0', '--open'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    ui = proc;
    proc.stderr.on('data', (b: Buffer) => (uiOut += b.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`banger ui printed no URL: ${uiOut}`)), 30_000);
      proc.stdout.on('data', (b: Buffer) => {
        uiOut += b.toString();
        const m = /banger ui: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+) {2}\(Ctrl-C stops\)/.exec(uiOut);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.once('exit', (code) => reject(new Error(`banger ui exited ${code}: ${uiOut}`)));
    });
    const u = new URL(url);
    port = Number(u.port);
    token = u.searchParams.get('token')!;
  }, 180_000);

  afterAll(async () => {
    if (ui?.pid !== undefined && ui.exitCode === null) {
      ui.kill('SIGKILL');
      await waitGone(ui.pid, 10_000);
    }
    user?.remove();
    if (bin) rmSync(bin, { recursive: true, force: true });
    if (!d) return;
    await d.stop().catch(() => undefined);
    await d.cleanup();
  }, 90_000);

  it('drives create → start → stop → delete over HTTP; the daemon and the event stream agree at each step', async () => {
    const h = (m = 'GET') => uiHeaders(port, token, m);
    // The printed URL trades the token for the cookie.
    const first = await uiRequest(port, { path: `/?token=${token}` });
    expect(first.status).toBe(303);
    expect(first.headers['set-cookie']?.[0]).toBe(`banger_ui=${token}; HttpOnly; SameSite=Strict; Path=/`);
    const s: SseStream = await openSse(port, '/api/events', h());
    try {
      const vms = await s.waitFor((e) => e.event === 'vms', 10_000, 'vms snapshot');
      expect(vms).toEqual(s.events[0]);
      const rowState = (state: string) => (e: { event: string; data: unknown }) =>
        e.event === 'vm' && (e.data as { vm: { name: string; state: string } }).vm.name === vmName && (e.data as { vm: { state: string } }).vm.state === state;

      const created = await uiRequest(port, { method: 'POST', path: '/api/vms', headers: h('POST'), body: JSON.stringify({ name: vmName, noStart: true }) });
      expect({ status: created.status, body: created.text.slice(0, 300) }).toMatchObject({ status: 200 });
      expect((await client.call('vm.show', { name: vmName })).state).toBe('created');
      await s.waitFor(rowState('created'), 10_000, 'vm created');

      const started = await uiRequest(port, { method: 'POST', path: `/api/vms/${vmName}/start`, headers: h('POST') });
      expect({ status: started.status, body: started.text.slice(0, 300) }).toMatchObject({ status: 200 });
      expect((await client.call('vm.show', { name: vmName })).state).toBe('running');
      await s.waitFor(rowState('running'), 10_000, 'vm running');

      // Asking twice is the daemon's answer, mapped: a running VM cannot start again.
      const again = await uiRequest(port, { method: 'POST', path: `/api/vms/${vmName}/start`, headers: h('POST') });
      if (again.status !== 200) expect((JSON.parse(again.text) as { error: { message: string } }).error.message).toBeTruthy();

      const stopped = await uiRequest(port, { method: 'POST', path: `/api/vms/${vmName}/stop`, headers: h('POST') });
      expect(stopped.status).toBe(200);
      expect((await client.call('vm.show', { name: vmName })).state).toBe('stopped');
      await s.waitFor(rowState('stopped'), 10_000, 'vm stopped');

      const detail = await uiRequest(port, { path: `/api/vms/${vmName}`, headers: h() });
      expect((JSON.parse(detail.text) as { vm: { name: string } }).vm.name).toBe(vmName);

      const deleted = await uiRequest(port, { method: 'DELETE', path: `/api/vms/${vmName}`, headers: h('DELETE') });
      expect(JSON.parse(deleted.text)).toEqual({ deleted: vmName });
      expect(await names()).not.toContain(vmName);
      await s.waitFor((e) => e.event === 'vm.removed' && (e.data as { name: string }).name === vmName, 10_000, 'vm.removed');

      const gone = await uiRequest(port, { path: `/api/vms/${vmName}`, headers: h() });
      expect(gone.status).toBe(404);
      expect((JSON.parse(gone.text) as { error: { kind: string } }).error.kind).toBe('not_found');
    } finally {
      s.close();
    }
  }, 120_000);

  it('refuses forged requests with 403 and the daemon changes nothing', async () => {
    const before = await names();
    const forged = `ui-forged-${randomSuffix(5)}`;
    const body = JSON.stringify({ name: forged });
    const cookie = `banger_ui=${token}`;
    const origin = `http://127.0.0.1:${port}`;
    const cases: Array<{ what: string; method?: string; path: string; headers: Record<string, string>; body?: string }> = [
      { what: 'no token', path: '/api/vms', headers: {} },
      { what: 'no token (POST)', method: 'POST', path: '/api/vms', headers: { origin, 'x-banger-ui': '1' }, body },
      { what: 'wrong token', path: '/api/vms?token=AAAA', headers: {} },
      { what: 'wrong cookie (POST)', method: 'POST', path: '/api/vms', headers: { cookie: 'banger_ui=AAAA', origin, 'x-banger-ui': '1' }, body },
      { what: 'Host evil.example', path: '/api/vms', headers: { cookie, host: `evil.example:${port}` } },
      { what: 'Host localhost.evil (POST)', method: 'POST', path: '/api/vms', headers: { cookie, host: `localhost.evil:${port}`, origin, 'x-banger-ui': '1' }, body },
      { what: 'cross-origin POST', method: 'POST', path: '/api/vms', headers: { cookie, origin: 'http://evil.example', 'x-banger-ui': '1' }, body },
      { what: 'POST without x-banger-ui', method: 'POST', path: '/api/vms', headers: { cookie, origin }, body },
      { what: 'DELETE without Origin', method: 'DELETE', path: `/api/vms/${before[0] ?? 'x'}`, headers: { cookie, 'x-banger-ui': '1' } },
    ];
    for (const c of cases) {
      const r = await uiRequest(port, c);
      expect({ what: c.what, status: r.status }).toEqual({ what: c.what, status: 403 });
    }
    expect(await names()).toEqual(before);
  }, 60_000);

  it("listens on loopback only: nothing answers on this host's other addresses, and --host 0.0.0.0 is refused", async () => {
    // Without a global address on this host this part has nothing to try; the namespace test below always runs.
    for (const a of nonLoopbackAddresses()) expect({ a, r: await connectResult(a, port) }).toEqual({ a, r: 'ECONNREFUSED' });
    expect(await connectResult('127.0.0.1', port)).toBe('connected');
    const r = await d!.cli(['ui', '--host', '0.0.0.0', '--port', '0'], 20_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('loopback only');
  }, 60_000);

  it('in a namespace of its own with a non-loopback address (a bridge link), banger ui answers on 127.0.0.1 only', async () => {
    const ns = d!.netns;
    const addr = '192.0.2.77';
    ns.exec('ip', ['link', 'add', 'uibr0', 'type', 'bridge']);
    ns.exec('ip', ['addr', 'add', `${addr}/24`, 'dev', 'uibr0']);
    ns.exec('ip', ['link', 'set', 'uibr0', 'up']);
    // `ip netns exec` execs node in place, so this pid is banger ui's.
    const inner = spawn('ip', ['netns', 'exec', ns.name, process.execPath, CLI_MAIN, 'ui', '--port', '0'], { env: d!.temp.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const innerPort = await new Promise<number>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`banger ui in the namespace printed no URL: ${out}`)), 30_000);
        const onData = (b: Buffer) => {
          out += b.toString();
          const m = /banger ui: http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        };
        inner.stdout.on('data', onData);
        inner.stderr.on('data', onData);
      });
      const probe = (host: string) =>
        ns.exec(process.execPath, [
          '-e',
          `const s = require('node:net').connect({ host: '${host}', port: ${innerPort}, timeout: 3000 });
           s.on('connect', () => { console.log('connected'); s.destroy(); });
           s.on('timeout', () => { console.log('timeout'); s.destroy(); });
           s.on('error', (e) => console.log(e.code));`,
        ]).trim();
      expect(probe(addr)).toBe('ECONNREFUSED');
      expect(probe('127.0.0.1')).toBe('connected');
    } finally {
      const exited = new Promise<number | null>((resolve) => (inner.exitCode !== null ? resolve(inner.exitCode) : inner.once('exit', (code) => resolve(code))));
      inner.kill('SIGINT');
      expect(await exited).toBe(0);
      ns.exec('ip', ['link', 'del', 'uibr0']);
    }
  }, 60_000);

  it('--open hands xdg-open a 0600 redirect file, never the token URL; another user gets 403 and cannot read the file', async () => {
    const runtimeDir = d!.layout.runtimeDir;
    const files = readdirSync(runtimeDir).filter((f) => /^ui-[0-9a-f]+\.html$/.test(f));
    expect(files).toHaveLength(1);
    const file = join(runtimeDir, files[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(`?token=${token}`);
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(bin!, 'xdg-open.args')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const args = readFileSync(join(bin!, 'xdg-open.args'), 'utf8');
    expect(args).toBe(`${file}\n`);
    expect(args).not.toContain(token);
    expect(readFileSync(`/proc/${ui!.pid}/cmdline`, 'utf8')).not.toContain(token);

    user = createTestUser('ui');
    const script = `
      import { request } from 'node:http';
      import { readFileSync } from 'node:fs';
      const get = (path, headers = {}) => new Promise((resolve) => {
        const req = request({ host: '127.0.0.1', port: ${port}, path, headers: { host: '127.0.0.1:${port}', ...headers } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
        req.on('error', (e) => resolve(e.code));
        req.end();
      });
      const out = { plain: await get('/api/vms'), page: await get('/'), guess: await get('/api/vms?token=${'A'.repeat(43)}') };
      try { readFileSync(${JSON.stringify(file)}, 'utf8'); out.file = 'read'; } catch (e) { out.file = e.code; }
      console.log(JSON.stringify(out));
    `;
    const r = await runNodeAsUser(user, script, { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.trim())).toEqual({ plain: 403, page: 403, guess: 403, file: 'EACCES' });
  }, 60_000);

  it('Ctrl-C stops it cleanly: exit 0, the redirect file removed', async () => {
    const proc = ui!;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(readdirSync(d!.layout.runtimeDir).filter((f) => f.startsWith('ui-'))).toEqual([]);
    expect(await connectResult('127.0.0.1', port)).toBe('ECONNREFUSED');
  }, 30_000);
});
