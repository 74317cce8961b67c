import { existsSync } from 'node:fs';
import { createMachine } from 'xstate';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineToGraph } from '../../../machines/graph.js';
import { startVizServer, type VizEvent, type VizServer } from '../../../src/debug/viz/index.js';

/**
 * The visualizer page in a real headless Chromium: it draws the machine, marks
 * the live actor's state, and a pushed transition moves the highlight and adds
 * a log line without a reload.
 */
const CHROMIUM = '/usr/bin/chromium';

const vm = createMachine({
  id: 'vm',
  initial: 'created',
  states: {
    created: { on: { 'vm.start': 'starting' } },
    starting: { initial: 'storage', states: { storage: { on: { next: 'network' } }, network: {} }, on: { ready: 'running' } },
    running: { on: { 'vm.stop': 'stopped' } },
    stopped: {},
  },
});

describe.skipIf(!existsSync(CHROMIUM))('visualizer in headless Chromium (needs Debian chromium)', () => {
  let browser: Browser;
  let server: VizServer;
  let push: ((e: VizEvent) => void) | undefined;
  let reset: (() => void) | undefined;
  let actors = [{ actorId: 'vm:abc', machineId: 'vm', label: 'dev', states: ['vm.running'] }];

  beforeAll(async () => {
    server = await startVizServer({
      graphs: async () => [machineToGraph(vm)],
      actors: async () => actors,
      subscribe: (fn, onReset) => {
        push = fn;
        reset = onReset;
        return () => (push = undefined);
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('highlights the live state and follows a transition', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForSelector('#status:text("live")', { timeout: 15_000 });
    expect(await page.locator('svg[data-machine="vm"]').count()).toBe(1);
    expect(await page.locator('.state.active').getAttribute('data-state')).toBe('vm.running');
    expect(await page.locator('.actor').first().textContent()).toContain('dev');

    push!({ actorId: 'vm:abc', machineId: 'vm', label: 'dev', from: ['vm.running'], to: ['vm.stopped'], event: 'vm.stop', at: new Date().toISOString() });
    await page.waitForSelector('.state.active[data-state="vm.stopped"]', { timeout: 10_000 });
    expect(await page.locator('.state.active[data-state="vm.running"]').count()).toBe(0);
    const log = await page.locator('#log .entry').first().textContent();
    expect(log).toContain('dev running → stopped (vm.stop)');

    // After a daemon restart the page reloads the actors and says why.
    actors = [...actors, { actorId: 'vm:def', machineId: 'vm', label: 'second', states: ['vm.created'] }];
    reset!();
    await page.locator('.actor', { hasText: 'second' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#log .entry').first().textContent()).toContain('daemon restarted, reconnected');
    // A picture to look at only when asked for: a test leaves nothing in /tmp.
    if (process.env.VIZ_SCREENSHOT) await page.screenshot({ path: process.env.VIZ_SCREENSHOT });
    await page.close();
  }, 60_000);
});
