import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectPage } from '../../../src/cli/commands/ui/ui.js';
import { RpcClient } from '../../../src/rpc/index.js';
import { startUiServer, type UiServer } from '../../../src/ui/server/index.js';
import { FakeDaemon } from '../../unit/tui/fake-daemon.js';

/**
 * The token → cookie exchange in a real Chromium, both ways a user arrives:
 * the printed URL typed or clicked (a browser-initiated navigation: 303), and
 * `--open`'s file:// redirect page (a cross-site navigation: a SameSite=Strict
 * cookie would not ride the rest of a redirect chain, so the server answers
 * with a page that moves on same-origin). Both must land on the app shell.
 */
const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('banger ui token exchange in headless Chromium (needs Debian chromium)', () => {
  let d: FakeDaemon;
  let ui: UiServer;
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    d = new FakeDaemon({ 'events.subscribe': (p) => ({ topics: p.topics }), 'vm.list': () => [], 'debug.actors': () => [] });
    await d.start();
    dir = mkdtempSync(join(tmpdir(), 'bgui-open-'));
    // A stand-in bundle: this test is about reaching the shell, not the app.
    writeFileSync(join(dir, 'app.js'), 'document.title = "app ran";');
    writeFileSync(join(dir, 'app.css'), 'body{}');
    ui = await startUiServer({ connect: () => RpcClient.connect(d.socketPath, { timeoutMs: 500 }), stateDir: dir, assetsDir: dir }, {});
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await d?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the printed URL: 303 to a token-free address, the shell loads and runs the bundle', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(ui.url);
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('app ran');
    expect(page.url()).toBe(`http://127.0.0.1:${ui.port}/`);
    await ctx.close();
  });

  it("--open's file:// redirect page ends on the shell too, with the token gone from the address bar", async () => {
    const file = join(dir, 'open.html');
    writeFileSync(file, redirectPage(ui.url), { mode: 0o600 });
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`file://${file}`);
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('app ran');
    expect(page.url()).toBe(`http://127.0.0.1:${ui.port}/`);
    await ctx.close();
  });

  it('a fresh browser without the token sees only the 403 text', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const r = await page.goto(`http://127.0.0.1:${ui.port}/`);
    expect(r?.status()).toBe(403);
    expect(await page.textContent('body')).toContain('forbidden');
    await ctx.close();
  });
});
