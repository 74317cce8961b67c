import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, InternalError, NotFoundError, UsageError } from '../../../../src/errors/index.js';
import { RpcClient } from '../../../../src/rpc/index.js';
import { BODY_SCHEMAS, errorResponse, matchRoute, parseBody, statusForKind } from '../../../../src/ui/server/api.js';
import { startUiServer, type UiServer } from '../../../../src/ui/server/index.js';
import { fakeVm } from '../../../fakes/fake-tui-source.js';
import { openSse, uiHeaders, uiRequest } from '../../../helpers/ui-http.js';
import { FakeDaemon, until } from '../../tui/fake-daemon.js';

describe('matchRoute', () => {
  it.each([
    ['GET', '/api/vms', { route: 'vms.list' }],
    ['POST', '/api/vms', { route: 'vms.create' }],
    ['GET', '/api/vms/dev-1', { route: 'vms.show', name: 'dev-1' }],
    ['DELETE', '/api/vms/dev-1', { route: 'vms.delete', name: 'dev-1' }],
    ['POST', '/api/vms/dev/start', { route: 'vms.action', name: 'dev', action: 'start' }],
    ['POST', '/api/vms/dev/resume', { route: 'vms.action', name: 'dev', action: 'resume' }],
    ['POST', '/api/vms/dev/snapshot', { route: 'vms.snapshot', name: 'dev' }],
    ['POST', '/api/vms/dev/fork', { route: 'vms.fork', name: 'dev' }],
    ['GET', '/api/vms/dev/ports', { route: 'vms.ports', name: 'dev' }],
    ['GET', '/api/vms/dev/log', { route: 'vms.log', name: 'dev' }],
    ['GET', '/api/vms/dev/log/stream', { route: 'vms.log.stream', name: 'dev' }],
    ['DELETE', '/api/snapshots/snap-1', { route: 'snapshots.delete', snapshot: 'snap-1' }],
    ['GET', '/api/images', { route: 'images.list' }],
    ['POST', '/api/images/build', { route: 'images.build' }],
    ['POST', '/api/images/import', { route: 'images.import' }],
    ['DELETE', '/api/images/Debian_12.1', { route: 'images.delete', name: 'Debian_12.1' }],
    ['GET', '/api/machines', { route: 'machines' }],
    ['GET', '/api/actors', { route: 'actors' }],
    ['GET', '/api/events', { route: 'events' }],
    ['GET', '/api/vms/d%65v', { route: 'vms.show', name: 'dev' }],
  ])('%s %s', (method, path, want) => expect(matchRoute(method, path)).toEqual(want));

  it.each([
    ['GET', '/api/nope'],
    ['PUT', '/api/vms'],
    ['GET', '/api/vms/dev/start'],
    ['POST', '/api/vms/dev/explode'],
    ['POST', '/api/vms/dev'],
    ['GET', '/api/vms/dev/log/stream/x'],
    ['GET', '/vms/dev'],
  ])('no route for %s %s', (method, path) => expect(matchRoute(method, path)).toBeNull());

  it.each(['/api/vms/..%2F..%2Fetc', '/api/vms/Dev', '/api/vms/%E0%A4%A', '/api/vms/a%20b', `/api/vms/${'a'.repeat(64)}`])('refuses the name in %s', (path) => {
    expect(() => matchRoute('GET', path)).toThrow(/not (a )?valid/);
  });
});

describe('errors and bodies', () => {
  it.each([
    ['not_found', 404],
    ['conflict', 409],
    ['busy', 409],
    ['invalid', 400],
    ['usage', 400],
    ['daemon_unavailable', 503],
    ['vmm', 500],
    ['internal', 500],
  ] as const)('%s → %d', (kind, status) => expect(statusForKind(kind)).toBe(status));

  it('flattens a BangerError into the ApiError body', () => {
    expect(errorResponse(new ConflictError('a VM named "a" already exists', { code: 'vm.exists', hint: 'pick another' }))).toEqual({
      status: 409,
      body: { error: { message: 'a VM named "a" already exists', code: 'vm.exists', hint: 'pick another', kind: 'conflict' } },
    });
    expect(errorResponse(new Error('boom')).status).toBe(500);
    expect(errorResponse(new NotFoundError('x')).status).toBe(404);
    expect(errorResponse(new UsageError('x')).body.error.kind).toBe('usage');
    expect(errorResponse(new InternalError('x')).body.error.hint).toBeUndefined();
  });

  it('accepts the contract bodies and refuses unknown or mistyped fields', () => {
    expect(parseBody(BODY_SCHEMAS.createVm, { name: 'a', vcpu: 2, nat: true })).toEqual({ name: 'a', vcpu: 2, nat: true });
    expect(() => parseBody(BODY_SCHEMAS.createVm, { cold: true })).toThrow(/invalid request body/);
    expect(() => parseBody(BODY_SCHEMAS.createVm, { vcpu: 'two' })).toThrow(/vcpu/);
    expect(() => parseBody(BODY_SCHEMAS.createVm, { vcpu: 100000 })).toThrow(/vcpu/);
    expect(() => parseBody(BODY_SCHEMAS.buildImage, {})).toThrow(/profile/);
    expect(() => parseBody(BODY_SCHEMAS.importImage, { name: 'x', source: '/tmp/x', kernelFrom: '/boot' })).toThrow();
    expect(() => parseBody(BODY_SCHEMAS.fork, {})).toThrow(/name/);
    expect(() => parseBody(BODY_SCHEMAS.snapshot, [])).toThrow();
  });
});

/** The whole server against a fake bangerd on a real socket: what each route sends the daemon, and what a refusal does not. */
describe('startUiServer against a fake daemon', () => {
  let d: FakeDaemon | undefined;
  let ui: UiServer | undefined;
  let assets: string | undefined;
  afterEach(async () => {
    await ui?.close();
    await d?.dispose();
    if (assets) rmSync(assets, { recursive: true, force: true });
    ui = undefined;
    d = undefined;
    assets = undefined;
  });

  async function setup(withBundle = true) {
    let vms = [fakeVm('dev', { state: 'stopped' })];
    const daemon = new FakeDaemon({
      'events.subscribe': (p) => ({ topics: p.topics }),
      'vm.list': () => vms,
      'vm.show': (p) => {
        const vm = vms.find((v) => v.name === p.name);
        if (!vm) throw new Error(`no VM ${String(p.name)}`);
        return vm;
      },
      'vm.create': (p) => {
        const vm = fakeVm(String(p.name), { state: 'running' });
        vms = [...vms, vm];
        return vm;
      },
      'vm.start': (p) => ({ ...vms.find((v) => v.name === p.name)!, state: 'running' }),
      'vm.delete': (p) => {
        vms = vms.filter((v) => v.name !== p.name);
        return { deleted: p.name };
      },
      'vm.fork': (p) => fakeVm(String(p.name)),
      'vm.snapshot.create': (p) => ({ name: p.snapshot ?? 'auto' }),
      'vm.snapshot.list': () => [],
      'vm.ports': () => ({ name: 'dev', rows: [{ port: 80 }] }),
      'vm.logs': () => ({ path: '/elsewhere/console.log', text: 'boot ok\n' }),
      'image.show': () => {
        throw new Error('no such image');
      },
      'image.list': () => [{ name: 'standin' }],
      'image.delete': (p) => ({ deleted: p.name }),
      'debug.machines': () => [{ id: 'vm', root: 'vm', nodes: [{ id: 'vm', key: 'vm', compound: true, final: false, parent: null, initial: 'vm.a' }, { id: 'vm.a', key: 'a', compound: false, final: false, parent: 'vm' }], edges: [] }],
      'debug.actors': () => [{ id: 'supervisor', machineId: 'supervisor', state: 'ready' }],
    });
    d = daemon;
    await daemon.start();
    assets = mkdtempSync(join(tmpdir(), 'bgr-ui-assets-'));
    if (withBundle) {
      writeFileSync(join(assets, 'app.js'), 'console.log("app")');
      writeFileSync(join(assets, 'app.css'), 'body{}');
    }
    ui = await startUiServer(
      { connect: () => RpcClient.connect(daemon.socketPath, { timeoutMs: 500 }), stateDir: assets, assetsDir: assets, backoff: { initialMs: 20, maxMs: 100 }, debounceMs: 10 },
      { port: 0 },
    );
    await until(() => daemon.calls.some((c) => c.method === 'vm.list'), 3000, 'first vm.list');
    return { daemon, ui, h: (m = 'GET') => uiHeaders(ui!.port, ui!.token, m) };
  }
  const callsOf = (daemon: FakeDaemon) => daemon.calls.filter((c) => !['daemon.hello', 'events.subscribe', 'vm.list', 'debug.actors'].includes(c.method));

  it('prints a loopback URL with the token, and the token URL sets the cookie and redirects without it', async () => {
    const { ui } = await setup();
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/?token=${ui.token}`);
    const r = await uiRequest(ui.port, { path: `/?token=${ui.token}` });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    expect(r.headers['set-cookie']).toEqual([`banger_ui=${ui.token}; HttpOnly; SameSite=Strict; Path=/`]);
  });

  it('serves the shell with strict headers for any page route, and the two assets', async () => {
    const { ui, h } = await setup();
    const page = await uiRequest(ui.port, { path: '/vms/dev', headers: h() });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="root"></div>');
    expect(page.text).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(page.text).toContain('<title>banger</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await uiRequest(ui.port, { path: '/assets/app.js', headers: h() })).text).toBe('console.log("app")');
    expect((await uiRequest(ui.port, { path: '/assets/app.css', headers: h() })).headers['content-type']).toMatch(/^text\/css/);
    // Dot segments resolve in the URL, never on disk: this is the shell, not a file.
    expect((await uiRequest(ui.port, { path: '/assets/../../etc/passwd', headers: h() })).text).toContain('<div id="root">');
    expect((await uiRequest(ui.port, { path: '/assets/..%2F..%2Fetc%2Fpasswd', headers: h() })).status).toBe(404);
    expect((await uiRequest(ui.port, { path: '/assets/other.js', headers: h() })).status).toBe(404);
  });

  it('a missing bundle is a 500 page that says npm run build', async () => {
    const { ui, h } = await setup(false);
    const page = await uiRequest(ui.port, { path: '/', headers: h() });
    expect(page.status).toBe(500);
    expect(page.text).toContain('npm run build');
  });

  it('maps routes to the daemon methods with validated params', async () => {
    const { daemon, ui, h } = await setup();
    const post = (path: string, body?: unknown) => uiRequest(ui.port, { method: 'POST', path, headers: h('POST'), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    expect((await post('/api/vms', { name: 'web', vcpu: 2 })).status).toBe(200);
    expect((await post('/api/vms/dev/start')).status).toBe(200);
    expect((await post('/api/vms/dev/fork', { name: 'dev-2', noStart: true })).status).toBe(200);
    expect(JSON.parse((await post('/api/vms/dev/snapshot', { snapshot: 's1' })).text)).toEqual({ name: 's1' });
    expect(JSON.parse((await uiRequest(ui.port, { path: '/api/vms/dev/ports', headers: h() })).text)).toEqual([{ port: 80 }]);
    expect(JSON.parse((await uiRequest(ui.port, { path: '/api/vms/dev/log?tailBytes=100', headers: h() })).text)).toEqual({ text: 'boot ok\n' });
    const detail = JSON.parse((await uiRequest(ui.port, { path: '/api/vms/dev', headers: h() })).text) as { vm: { name: string }; snapshots: unknown[]; image?: unknown };
    expect(detail.vm.name).toBe('dev');
    expect(detail.snapshots).toEqual([]);
    expect(JSON.parse((await uiRequest(ui.port, { method: 'DELETE', path: '/api/images/standin', headers: h('DELETE') })).text)).toEqual({ deleted: 'standin' });
    const machines = JSON.parse((await uiRequest(ui.port, { path: '/api/machines', headers: h() })).text) as Array<{ id: string; nodes: unknown[] }>;
    expect(machines[0]?.id).toBe('vm');
    expect(callsOf(daemon).map((c) => [c.method, c.params])).toEqual([
      ['vm.create', { name: 'web', vcpu: 2 }],
      ['vm.start', { name: 'dev' }],
      ['vm.fork', { source: 'dev', name: 'dev-2', noStart: true }],
      ['vm.snapshot.create', { name: 'dev', snapshot: 's1' }],
      ['vm.ports', { name: 'dev' }],
      ['vm.logs', { name: 'dev', tailBytes: 100 }],
      ['vm.show', { name: 'dev' }],
      ['image.show', { name: 'img000000000' }],
      ['vm.snapshot.list', { name: 'dev' }],
      ['image.delete', { name: 'standin' }],
      ['image.list', {}],
      ['debug.machines', {}],
    ]);
  });

  it('refuses bad bodies, names and queries with 400 before calling the daemon', async () => {
    const { daemon, ui, h } = await setup();
    const cases = [
      { method: 'POST', path: '/api/vms', body: '{"name":"a","cold":true}' },
      { method: 'POST', path: '/api/vms', body: 'not json' },
      { method: 'POST', path: '/api/vms/dev/fork', body: '{}' },
      { method: 'POST', path: '/api/images/build', body: '{"profile":"windows"}' },
      { method: 'DELETE', path: '/api/vms/..%2Fx' },
      { method: 'GET', path: '/api/vms/dev/log?tailBytes=-1' },
    ];
    for (const c of cases) {
      const r = await uiRequest(ui.port, { ...c, headers: h(c.method) });
      expect({ ...c, status: r.status }).toEqual({ ...c, status: 400 });
      expect((JSON.parse(r.text) as { error: { message: string } }).error.message).toBeTruthy();
    }
    const big = await uiRequest(ui.port, { method: 'POST', path: '/api/vms', headers: h('POST'), body: JSON.stringify({ name: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
    expect((await uiRequest(ui.port, { path: '/api/nothing', headers: h() })).status).toBe(404);
    expect(callsOf(daemon)).toEqual([]);
  });

  it('maps a daemon error to the ApiError body and its status', async () => {
    const { ui, h } = await setup();
    const r = await uiRequest(ui.port, { path: '/api/vms/ghost', headers: h() });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toEqual({ error: { message: 'no VM ghost', code: 'error', kind: 'not_found' } });
  });

  it('refuses every unauthenticated or cross-site request with 403 and no daemon call', async () => {
    const { daemon, ui, h } = await setup();
    const p = ui.port;
    const cases: Array<{ method?: string; path: string; headers: Record<string, string>; body?: string }> = [
      { path: '/api/vms', headers: {} },
      { path: '/api/vms?token=wrong', headers: {} },
      { path: '/', headers: { cookie: 'banger_ui=wrong' } },
      { path: '/api/vms', headers: { ...h(), host: `evil.example:${p}` } },
      { path: '/api/vms', headers: { ...h(), host: `localhost.evil:${p}` } },
      { method: 'POST', path: '/api/vms', headers: { ...h('POST'), origin: 'http://evil.example' }, body: '{"name":"x"}' },
      { method: 'POST', path: '/api/vms', headers: { cookie: h().cookie!, origin: `http://127.0.0.1:${p}` }, body: '{"name":"x"}' },
      { method: 'DELETE', path: '/api/vms/dev', headers: { cookie: h().cookie!, 'x-banger-ui': '1' } },
      { method: 'OPTIONS', path: '/api/vms', headers: h('POST') },
    ];
    for (const c of cases) {
      const r = await uiRequest(p, c);
      expect({ path: c.path, headers: c.headers, status: r.status }).toEqual({ path: c.path, headers: c.headers, status: 403 });
      expect(r.text).toMatch(/^forbidden: /);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(callsOf(daemon)).toEqual([]);
  });

  it('the event stream starts with vms and the daemon state, then follows transitions and deletes', async () => {
    const { daemon, ui, h } = await setup();
    const s = await openSse(ui.port, '/api/events', h());
    try {
      expect(s.status).toBe(200);
      await s.waitFor((e) => e.event === 'daemon');
      expect(s.events.slice(0, 2).map((e) => e.event)).toEqual(['vms', 'daemon']);
      expect(s.events[1]?.data).toEqual({ state: 'connected' });
      const dev = fakeVm('dev', { state: 'stopped' });
      daemon.notify('vm.transition', { vmId: dev.id, name: 'dev', from: 'stopped', to: 'starting.storage', event: 'vm.start', at: 'x' });
      await s.waitFor((e) => e.event === 'vm' && (e.data as { vm: { state: string } }).vm.state === 'starting', 3000, 'vm starting');
      await s.waitFor((e) => e.event === 'actor', 3000, 'actor event');
      await uiRequest(ui.port, { method: 'DELETE', path: '/api/vms/dev', headers: h('DELETE') });
      await s.waitFor((e) => e.event === 'vm.removed', 3000, 'vm.removed');
      daemon.notify('image.progress', { image: 'x', step: 'rootfs', fraction: 0.5 });
      await s.waitFor((e) => e.event === 'image.progress', 3000, 'image.progress');
    } finally {
      s.close();
    }
  });

  it('tells tabs when the daemon goes and sends a fresh vms when it is back', async () => {
    const { daemon, ui, h } = await setup();
    const s = await openSse(ui.port, '/api/events', h());
    try {
      await s.waitFor((e) => e.event === 'daemon');
      await daemon.restart(100);
      await s.waitFor((e) => e.event === 'daemon' && (e.data as { state: string }).state === 'reconnecting', 5000, 'reconnecting');
      const before = s.events.length;
      await until(() => s.events.slice(before).some((e) => e.event === 'vms'), 5000, 'vms after reconnect');
    } finally {
      s.close();
    }
  });

  it('while the daemon is away, API calls fail at once with 503 instead of hanging', async () => {
    const { daemon, ui, h } = await setup();
    const s = await openSse(ui.port, '/api/events', h());
    try {
      await s.waitFor((e) => e.event === 'daemon');
      await daemon.stop();
      await s.waitFor((e) => e.event === 'daemon' && (e.data as { state: string }).state === 'reconnecting', 5000, 'reconnecting');
      const r = await uiRequest(ui.port, { path: '/api/vms', headers: h(), timeoutMs: 2000 });
      expect(r.status).toBe(503);
      expect((JSON.parse(r.text) as { error: { kind: string; hint: string } }).error).toMatchObject({ kind: 'daemon_unavailable', hint: expect.stringContaining('banger daemon start') });
      await daemon.start();
      await s.waitFor((e) => e.event === 'daemon' && (e.data as { state: string }).state === 'connected' && s.events.indexOf(e) > 2, 5000, 'connected again');
      expect((await uiRequest(ui.port, { path: '/api/vms', headers: h() })).status).toBe(200);
    } finally {
      s.close();
    }
  });

  it('refuses a log path outside the state dir without reading it', async () => {
    const { ui, h } = await setup();
    const r = await uiRequest(ui.port, { path: '/api/vms/dev/log/stream', headers: h() });
    expect(r.status).toBe(400);
    expect(r.text).toContain('outside');
  });

  it('listens on ::1 when asked, with the bracketed authority as the only Host', async () => {
    const { daemon } = await setup();
    const v6 = await startUiServer({ connect: () => RpcClient.connect(daemon.socketPath, { timeoutMs: 500 }), stateDir: '/' }, { host: '::1' });
    try {
      expect(v6.url).toBe(`http://[::1]:${v6.port}/?token=${v6.token}`);
      const cookie = `banger_ui=${v6.token}`;
      expect((await uiRequest(v6.port, { host: '::1', path: '/api/vms', headers: { host: `[::1]:${v6.port}`, cookie } })).status).toBe(200);
      expect((await uiRequest(v6.port, { host: '::1', path: '/api/vms', headers: { host: `127.0.0.1:${v6.port}`, cookie } })).status).toBe(403);
    } finally {
      await v6.close();
    }
  });

  it('refuses a non-loopback --host', async () => {
    await expect(startUiServer({ connect: () => Promise.reject(new Error('unused')), stateDir: '/' }, { host: '0.0.0.0' })).rejects.toThrow(UsageError);
  });

  it('a taken port is an InvalidInputError with a hint', async () => {
    const { ui } = await setup();
    await expect(startUiServer({ connect: () => Promise.reject(new Error('unused')), stateDir: '/' }, { port: ui.port })).rejects.toMatchObject({ kind: 'invalid', hint: expect.stringContaining('--port') });
  });
});
