import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist } from '../../helpers/build.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { CLI_MAIN, waitGone } from '../../helpers/rig.js';

/**
 * `banger debug viz` against a real bangerd with a stand-in VM, in headless
 * Chromium: the page shows the VM's actor in its current state, and a stop
 * on the daemon moves the highlight and adds lines to the transition log.
 */
const CHROMIUM = '/usr/bin/chromium';
const missing = requiresNetns() ?? (existsSync(CHROMIUM) ? null : 'needs Debian chromium at /usr/bin/chromium');

describe.skipIf(missing !== null)(gated('banger debug viz in headless Chromium against bangerd', missing), () => {
  let d: NetnsDaemon | undefined;
  let viz: ChildProcess | undefined;
  let url = '';
  let vizErr = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    buildDist();
    d = new NetnsDaemon();
    await d.start();
    const c = await d.client();
    await c.call('vm.create', { name: 'viz-a' });
    const proc = spawn(process.execPath, [CLI_MAIN, 'debug', 'viz', '--port', '0'], { env: d.temp.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    viz = proc;
    proc.stderr.on('data', (b: Buffer) => (vizErr += b.toString()));
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`banger debug viz printed no URL: ${out} ${vizErr}`)), 30_000);
      proc.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /visualizer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.once('exit', (code) => reject(new Error(`banger debug viz exited ${code}: ${out} ${vizErr}`)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (viz?.pid !== undefined && viz.exitCode === null) {
      viz.kill('SIGINT');
      if (!(await waitGone(viz.pid, 10_000))) viz.kill('SIGKILL');
    }
    if (!d) return;
    await d.stop().catch(() => undefined);
    await d.cleanup();
  }, 60_000);

  it('serves on 127.0.0.1 only', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('shows the VM actor, highlights its state, and follows a stop on the daemon', async () => {
    const page = await browser!.newPage();
    await page.goto(url);
    await page.waitForSelector('#status:text("live")', { timeout: 15_000 });
    expect(await page.locator('svg[data-machine="vm"]').count()).toBe(1);
    const actor = page.locator('.actor', { hasText: 'viz-a' });
    await actor.waitFor({ timeout: 10_000 });
    expect(await actor.textContent()).toContain('viz-a (vm)');
    // The page selects the first VM actor: its current state is highlighted.
    await page.waitForSelector('.state.active[data-state="vm.running"]', { timeout: 10_000 });
    const before = await page.locator('#log .entry').count();

    const c = await d!.client();
    await c.call('vm.stop', { name: 'viz-a' });

    await page.waitForSelector('.state.active[data-state="vm.stopped"]', { timeout: 15_000 });
    expect(await page.locator('.state.active[data-state="vm.running"]').count()).toBe(0);
    // A string predicate: it runs in the page, and the test tsconfig has no DOM types.
    await page.waitForFunction(`document.querySelectorAll('#log .entry').length > ${before}`, undefined, { timeout: 10_000 });
    const log = await page.locator('#log .entry').allTextContents();
    expect(log.some((l) => /viz-a .*→ stopped/.test(l))).toBe(true);
    expect(log.some((l) => /viz-a running → stopping \(vm\.stop\)/.test(l))).toBe(true);
    // A picture to look at only when asked for: a test leaves nothing in /tmp.
    if (process.env.VIZ_SCREENSHOT) await page.screenshot({ path: process.env.VIZ_SCREENSHOT });
    await page.close();
  }, 90_000);

  it('reconnects after a daemon restart and the page reloads the actors', async () => {
    const page = await browser!.newPage();
    await page.goto(url);
    await page.waitForSelector('#status:text("live")', { timeout: 15_000 });
    await d!.stop();
    await d!.start();
    await page.locator('#log .entry', { hasText: 'daemon restarted, reconnected' }).waitFor({ timeout: 30_000 });
    // Reconciled from the row after the restart: the VM is still there, still stopped.
    await page.locator('.actor', { hasText: 'viz-a' }).waitFor({ timeout: 10_000 });
    expect(vizErr).toContain('daemon restarted, reconnected');
    // And live again: a start on the new daemon moves the highlight.
    const c = await d!.client();
    await c.call('vm.start', { name: 'viz-a' });
    await page.waitForSelector('.state.active[data-state="vm.running"]', { timeout: 15_000 });
    await page.close();
  }, 90_000);

  it('stops on Ctrl-C with exit code 0', async () => {
    const proc = viz!;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 30_000);
});
