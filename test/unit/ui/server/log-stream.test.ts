import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../../../../src/rpc/index.js';
import { startUiServer, type UiServer } from '../../../../src/ui/server/index.js';
import { LOG_TAIL_BYTES, checkedLogPath, nextOffset } from '../../../../src/ui/server/log-stream.js';
import { openSse, uiHeaders } from '../../../helpers/ui-http.js';
import { FakeDaemon } from '../../tui/fake-daemon.js';

describe('nextOffset', () => {
  it.each([
    ['grown: read on from where we were', { ino: 1, offset: 10 }, { ino: 1, size: 25 }, { from: 10, reset: false }],
    ['unchanged', { ino: 1, offset: 10 }, { ino: 1, size: 10 }, { from: 10, reset: false }],
    ['truncated: start over', { ino: 1, offset: 10 }, { ino: 1, size: 4 }, { from: 0, reset: true }],
    ['rotated (new inode): start over', { ino: 1, offset: 10 }, { ino: 2, size: 50 }, { from: 0, reset: true }],
  ])('%s', (_what, prev, now, want) => expect(nextOffset(prev, now)).toEqual(want));
});

describe('checkedLogPath', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('accepts a log inside the state dir (existing or not yet) and refuses one outside, through .. or a symlink', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bgr-ui-log-'));
    const state = join(dir, 'state');
    mkdirSync(join(state, 'vms', 'a'), { recursive: true });
    writeFileSync(join(state, 'vms', 'a', 'console.log'), 'x');
    writeFileSync(join(dir, 'secret'), 's');
    symlinkSync(join(dir, 'secret'), join(state, 'vms', 'a', 'evil.log'));
    expect(await checkedLogPath(join(state, 'vms', 'a', 'console.log'), state)).toBe(join(state, 'vms', 'a', 'console.log'));
    expect(await checkedLogPath(join(state, 'vms', 'a', 'later.log'), state)).toBe(join(state, 'vms', 'a', 'later.log'));
    await expect(checkedLogPath(join(dir, 'secret'), state)).rejects.toThrow(/outside/);
    await expect(checkedLogPath(join(state, '..', 'secret'), state)).rejects.toThrow(/outside/);
    await expect(checkedLogPath(join(state, 'vms', 'a', 'evil.log'), state)).rejects.toThrow(/outside/);
    await expect(checkedLogPath('/etc/passwd', state)).rejects.toThrow(/outside/);
  });
});

describe('GET /api/vms/:name/log/stream', () => {
  let d: FakeDaemon | undefined;
  let ui: UiServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await ui?.close();
    await d?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
    ui = undefined;
    d = undefined;
    dir = undefined;
  });

  async function setup(initial: string | null) {
    dir = mkdtempSync(join(tmpdir(), 'bgr-ui-log-'));
    const log = join(dir, 'vms', 'a', 'console.log');
    mkdirSync(join(dir, 'vms', 'a'), { recursive: true });
    if (initial !== null) writeFileSync(log, initial);
    const daemon = new FakeDaemon({ 'events.subscribe': (p) => ({ topics: p.topics }), 'vm.list': () => [], 'debug.actors': () => [], 'vm.logs': () => ({ path: log, text: '' }) });
    d = daemon;
    await daemon.start();
    ui = await startUiServer({ connect: () => RpcClient.connect(daemon.socketPath, { timeoutMs: 500 }), stateDir: dir, logPollMs: 20 }, {});
    const s = await openSse(ui.port, '/api/vms/a/log/stream', uiHeaders(ui.port, ui.token));
    return { log, s };
  }
  const texts = (s: { events: Array<{ event: string; data: unknown }> }) => s.events.filter((e) => e.event === 'log').map((e) => (e.data as { text: string }).text);

  it('sends the tail first, then appended chunks, then text written after a truncation', async () => {
    const { log, s } = await setup('boot 1\nboot 2\n');
    try {
      await s.waitFor((e) => e.event === 'log');
      expect(texts(s)).toEqual(['boot 1\nboot 2\n']);
      appendFileSync(log, 'login: ');
      await s.waitFor(() => texts(s).join('').endsWith('login: '), 3000, 'appended text');
      writeFileSync(log, 'fresh\n');
      await s.waitFor(() => texts(s).join('').endsWith('fresh\n'), 3000, 'text after truncation');
      expect(texts(s).join('')).toBe('boot 1\nboot 2\nlogin: fresh\n');
    } finally {
      s.close();
    }
  });

  it('a long log starts at a line boundary within the tail size', async () => {
    const line = `${'x'.repeat(99)}\n`;
    const { s } = await setup(line.repeat(Math.ceil((LOG_TAIL_BYTES * 2) / line.length)));
    try {
      await s.waitFor((e) => e.event === 'log');
      const first = texts(s)[0]!;
      expect(first.length).toBeLessThanOrEqual(LOG_TAIL_BYTES);
      expect(first.startsWith('x'.repeat(99))).toBe(true);
    } finally {
      s.close();
    }
  });

  it('a log that does not exist yet sends an empty tail, then everything once it appears', async () => {
    const { log, s } = await setup(null);
    try {
      await s.waitFor((e) => e.event === 'log');
      expect(texts(s)).toEqual(['']);
      writeFileSync(log, 'first boot\n');
      await s.waitFor(() => texts(s).join('') === 'first boot\n', 3000, 'new file');
    } finally {
      s.close();
    }
  });
});
