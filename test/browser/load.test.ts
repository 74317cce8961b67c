/**
 * Browser tier under load (issue 16): 20 tabs of one browser open on the VMs
 * page while 200 stand-in VMs are created (and started) and then stopped
 * through concurrent RPC clients. After the daemon's last transition every tab
 * shows exactly the daemon's table (names and data-state of all rows equal
 * vm.list) within 2 s. Prints and saves (test-artifacts/ui/load.json) the
 * convergence time of every tab and the RSS of bangerd and `banger ui`
 * before and after.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RpcClient } from '../../src/rpc/index.js';
import { gated, randomSuffix } from '../helpers/host-caps.js';
import { ARTIFACTS, authedContext, requiresBrowserTier, rssKiB, UiHarness, until } from './support/ui-harness.js';

const missing = requiresBrowserTier();
/** UI_LOAD_TABS overrides the tab count (a diagnosis aid; the issue's figure is 20). */
const TABS = Number(process.env.UI_LOAD_TABS ?? 20);
const VMS = 200;
/** Concurrent RPC connections driving the daemon. */
const DRIVERS = 16;
/** The issue's bound: every tab equals the daemon this long after its last transition. */
const CONVERGE_MS = 2000;

describe.skipIf(missing !== null)(gated(`banger ui with ${TABS} tabs while ${VMS} stand-in VMs start and stop`, missing), () => {
  let h: UiHarness;
  let c: RpcClient;
  const tabs: Page[] = [];
  const tag = randomSuffix(4);

  beforeAll(async () => {
    // Pool of spare taps a little bigger than the default: 200 VMs take taps in bursts of DRIVERS.
    h = await UiHarness.start({ tapPoolSize: 8, logLevel: 'info' });
    c = await h.d.client();
  }, 240_000);
  afterAll(async () => {
    await h?.cleanup();
  }, 180_000);

  /** Runs `fn` over `items` with `n` concurrent workers, each on its own connection. */
  async function drive<T>(items: T[], n: number, fn: (client: RpcClient, item: T) => Promise<void>): Promise<string[]> {
    const problems: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: n }, async () => {
        const own = await h.d.client();
        try {
          while (next < items.length) {
            const item = items[next++]!;
            await fn(own, item).catch((e: unknown) => problems.push(`${String(item)}: ${(e as Error).message}`));
          }
        } finally {
          own.close();
        }
      }),
    );
    return problems;
  }

  it(`every tab equals vm.list within ${CONVERGE_MS} ms of the last transition`, { timeout: 900_000 }, async () => {
    const status = await c.call('daemon.status', {});
    const rssBefore = { bangerd: rssKiB(status.pid), ui: rssKiB(h.ui.pid) };

    // 20 tabs, one context (one cookie jar, one connection pool: what a user with many tabs has).
    // UI_LOAD_CONTEXT_PER_TAB=1 gives each tab a context of its own (its own pool): a diagnosis aid only.
    const perTab = process.env.UI_LOAD_CONTEXT_PER_TAB === '1';
    for (let i = 0; i < TABS; i++) {
      const page = await (perTab ? await authedContext(h.browser, h.ui) : h.context).newPage();
      tabs.push(page);
      await page.goto(`${h.ui.origin}/`, { waitUntil: 'domcontentloaded', timeout: 15_000 }).catch((e: unknown) => {
        throw new Error(
          `tab ${i + 1} of ${TABS} did not load (${(e as Error).message.split('\n')[0]}): Chromium allows 6 HTTP/1.1 connections per host in one profile, ` +
            `and each open tab holds one for /api/events (a VM page two, with its log stream): once six streams are open, the next request waits for a free connection`,
        );
      });
    }
    const connected = await until(async () => {
      const states = await Promise.all(tabs.map((p) => p.locator('[data-testid=daemon-status]').getAttribute('data-state', { timeout: 1000 }).catch(() => null)));
      return states.every((st) => st === 'connected');
    }, 30_000, 250);
    if (!connected) {
      const states = await Promise.all(tabs.map((p) => p.locator('[data-testid=daemon-status]').getAttribute('data-state', { timeout: 1000 }).catch(() => 'no status')));
      throw new Error(`not every tab connected: ${states.map((st, i) => `tab ${i + 1}: ${st}`).join(', ')}`);
    }
    for (const [i, p] of tabs.entries()) await p.locator('[data-testid=vm-table]').waitFor({ timeout: 15_000 }).catch(() => Promise.reject(new Error(`tab ${i}: no vm-table`)));

    // The server's own stream, read here as a tab would (diagnosis: server lag vs. tab lag).
    let lastServerRowEventAt = 0;
    let serverEvents = 0;
    const probeUrl = new URL('/api/events', h.ui.origin);
    probeUrl.searchParams.set('token', new URL(h.ui.url).searchParams.get('token') ?? '');
    const probe = request(probeUrl, { headers: { accept: 'text/event-stream' } });
    probe.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const rowEvents = chunk.match(/^event: (vms|vm|vm\.removed)$/gm)?.length ?? 0;
        if (rowEvents) {
          lastServerRowEventAt = Date.now();
          serverEvents += rowEvents;
        }
      });
    });
    probe.on('error', () => undefined);
    probe.end();

    // The daemon's own transitions, timestamped as they arrive here.
    const watcher = await h.d.client();
    let lastEventAt = 0;
    let transitions = 0;
    watcher.onNotification((method) => {
      if (method !== 'vm.transition') return;
      lastEventAt = Date.now();
      transitions++;
    });
    await watcher.call('events.subscribe', { topics: ['vm.transition'] });

    // Every tab records, inside the page, when its rows (names and data-state) last changed: a MutationObserver
    // costs the tab almost nothing, where polling 20 tabs from here competed with them for the 2 cores and
    // measured the poll's own delay. The script is a string: the test tsconfig has no DOM types.
    const RECORDER = `(() => {
      const read = () => JSON.stringify([...document.querySelectorAll('[data-testid=vm-row]')]
        .map((e) => [e.getAttribute('data-vm') || '', e.getAttribute('data-state') || '']).sort());
      window.__rows = read(); window.__rowsAt = Date.now(); window.__rowChanges = 1;
      new MutationObserver(() => {
        const r = read();
        if (r !== window.__rows) { window.__rows = r; window.__rowsAt = Date.now(); window.__rowChanges++; }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-vm'] });
    })()`;
    for (const p of tabs) await p.evaluate(RECORDER);
    const recorded = (p: Page) =>
      p.evaluate('({ rows: window.__rows, at: window.__rowsAt, changes: window.__rowChanges })').then(
        (r) => r as { rows: string; at: number; changes: number },
        () => ({ rows: '', at: 0, changes: 0 }),
      );

    const names = Array.from({ length: VMS }, (_, i) => `load-${tag}-${String(i).padStart(3, '0')}`);
    const t0 = Date.now();
    const createProblems = await drive(names, DRIVERS, async (k, name) => {
      await k.call('vm.create', { name });
    });
    const createdMs = Date.now() - t0;
    const running = (await c.call('vm.list', {})).filter((v) => v.state === 'running').length;
    const t1 = Date.now();
    const stopProblems = await drive(names, DRIVERS, async (k, name) => {
      await k.call('vm.stop', { name });
    });
    const stoppedMs = Date.now() - t1;

    // The daemon settles (no VM mid-operation) and stays quiet: that fixes "the last transition".
    let expected = '';
    let lastSeen = -1;
    const settled = await until(async () => {
      const vms = await c.call('vm.list', {});
      const calm = vms.every((v) => ['running', 'stopped', 'created', 'error'].includes(v.state));
      const quiet = transitions === lastSeen;
      lastSeen = transitions;
      expected = JSON.stringify(vms.map((v) => [v.name, v.state]).sort());
      return calm && quiet;
    }, 60_000, 500);
    // Then give every tab time to get there (a deadline for the poll, not the assertion).
    let seen: Array<{ rows: string; at: number; changes: number }> = [];
    await until(async () => {
      seen = await Promise.all(tabs.map(recorded));
      return seen.every((r) => r.rows === expected);
    }, 30_000, 500);
    const quietAfter = transitions === lastSeen;
    probe.destroy();
    expect([...createProblems, ...stopProblems]).toEqual([]);
    expect(settled, 'the daemon settled').toBe(true);
    const daemonVms = JSON.parse(expected) as Array<[string, string]>;
    expect(daemonVms).toHaveLength(VMS);
    expect(daemonVms.every(([, st]) => st === 'stopped')).toBe(true);

    // Convergence per tab: when it last changed to the daemon's table, counted from the last transition.
    const converged = seen.map((r) => (r.rows === expected ? r.at - lastEventAt : null));
    const stillDiffer: string[] = [];
    for (const [i, r] of seen.entries()) {
      if (converged[i] !== null) continue;
      const shown = JSON.parse(r.rows || '[]') as Array<[string, string]>;
      const want = new Map(daemonVms);
      const wrong = shown.filter(([n, st]) => want.get(n) !== st).slice(0, 5);
      stillDiffer.push(`tab ${i}: ${shown.length} rows, first differences ${JSON.stringify(wrong)}`);
    }

    const rssAfter = { bangerd: rssKiB(status.pid), ui: rssKiB(h.ui.pid) };
    const report = {
      tabs: TABS,
      vms: VMS,
      drivers: DRIVERS,
      contextPerTab: perTab,
      transitions,
      rowChangesSeenPerTab: seen.map((r) => r.changes),
      createAllMs: createdMs,
      runningAfterCreate: running,
      stopAllMs: stoppedMs,
      convergenceMsAfterLastTransition: converged,
      serverRowEvents: serverEvents,
      serverLastRowEventMsAfterLastTransition: lastServerRowEventAt ? lastServerRowEventAt - lastEventAt : null,
      maxConvergenceMs: converged.every((x) => x !== null) ? Math.max(...(converged as number[])) : null,
      rssKiB: { before: rssBefore, after: rssAfter },
      pids: { bangerd: status.pid, ui: h.ui.pid },
      at: new Date().toISOString(),
    };
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'load.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`ui load: ${JSON.stringify(report)}`);

    expect(stillDiffer).toEqual([]);
    expect(quietAfter, 'no transition arrived while the tabs were compared').toBe(true);
    // Live, not only eventually right: every tab redrew its rows many times while the 1600 transitions went on.
    for (const [i, r] of seen.entries()) expect(r.changes, `tab ${i} changed its rows ${r.changes} times during the run`).toBeGreaterThanOrEqual(5);
    for (const [i, ms] of converged.entries()) expect(ms, `tab ${i} converged ${ms} ms after the last transition`).toBeLessThanOrEqual(CONVERGE_MS);
    expect(running).toBe(VMS);
  });
});
