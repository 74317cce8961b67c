import { execFile } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BangerError } from '../../src/errors/index.js';
import type { RpcClient } from '../../src/rpc/index.js';
import { gated, requiresNetns } from '../helpers/host-caps.js';
import { CLI_MAIN, waitFor } from '../helpers/index.js';
import { NetnsDaemon } from '../helpers/netns-daemon.js';
import { count } from './support/counters.js';
import { ensureDist } from './support/dist.js';
import { invariantProblems, settled } from './support/vm-checks.js';

/**
 * Load (issue 8, item 5) with the stand-in driver: 50 clients at once (25
 * CLI processes, 25 RPC connections) each creating, listing, showing and
 * deleting their own VM; then 20 concurrent vm.start on one VM. Every call
 * succeeds or fails with a clear busy/conflict error; the end state is
 * consistent; everything finishes inside the test's timeout (no deadlock).
 */
const missing = requiresNetns();
const POOL = 2;
const CLIENTS = 50;

describe.skipIf(missing !== null)(gated('bangerd under concurrent clients (stand-in VMs)', missing), () => {
  let d: NetnsDaemon;
  let c: RpcClient;

  beforeAll(async () => {
    ensureDist();
    d = new NetnsDaemon({ tapPoolSize: POOL, tempPrefix: 'bgrel-', netnsTag: 'rel' });
    await d.start();
    c = await d.client();
  }, 180_000);
  afterAll(async () => {
    await d?.cleanup();
  }, 60_000);

  const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [CLI_MAIN, ...args], { env: d.temp.env, timeout: 170_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 124) : 0, stdout, stderr });
      });
    });

  /** A failure is acceptable only as a clear, hinted busy/conflict error. */
  const clearBusy = (err: unknown) => err instanceof BangerError && ['busy', 'conflict'].includes(err.kind) && Boolean(err.hint);

  it(`${CLIENTS} clients at once each create, list, show and delete a VM; nothing is left`, { timeout: 240_000 }, async () => {
    count('concurrentClients', CLIENTS);
    const problems: string[] = [];
    const viaCli = async (i: number) => {
      const name = `cli-${i}`;
      for (const args of [['vm', 'create', '--name', name, ...(i % 2 ? ['--no-start'] : [])], ['vm', 'list', '--json'], ['vm', 'show', name, '--json'], ['vm', 'delete', name]]) {
        const r = await cli(args);
        if (r.code !== 0) problems.push(`${name}: banger ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
      }
    };
    const viaRpc = async (i: number) => {
      const name = `rpc-${i}`;
      const own = await d.client();
      try {
        await own.call('vm.create', { name, ...(i % 2 ? { noStart: true } : {}) });
        await own.call('vm.list', {});
        await own.call('vm.show', { name });
        await own.call('vm.delete', { name, force: true });
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      } finally {
        own.close();
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => (i % 2 ? viaRpc(i) : viaCli(i))));
    expect(problems).toEqual([]);
    const vms = await settled(c, 30_000);
    expect(vms).toEqual([]);
    expect(await invariantProblems(d, vms, { names: [], pool: POOL, label: '50 clients' })).toEqual([]);
    expect(await waitFor(() => d.standinPids().length === 0, 10_000)).toBe(true);
    const db = new Database(d.layout.dbPath, { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('fault: a tap released while the pool was filling pushed the pool past its size (a surplus tap per race)', { timeout: 120_000 }, async () => {
    for (let i = 0; i < 8; i++) {
      await c.call('vm.create', { name: `churn-${i}` });
      await c.call('vm.stop', { name: `churn-${i}` });
    }
    for (let i = 0; i < 8; i++) await c.call('vm.delete', { name: `churn-${i}` });
    const vms = await settled(c, 30_000);
    expect(await invariantProblems(d, vms, { names: [], pool: POOL, label: 'start/stop churn' })).toEqual([]);
    count('defectsFound', 1, 'tap pool: a release during a fill overfilled the pool (machines/tap-pool/machine.ts)');
  });

  it('fault: under load the CLI took a busy daemon for a dead one, spawned a second and failed "bangerd did not start"', { timeout: 120_000 }, async () => {
    count('concurrentClients', 30);
    const runs = await Promise.all(Array.from({ length: 30 }, () => cli(['vm', 'list', '--json'])));
    expect(runs.filter((r) => r.code !== 0).map((r) => r.stderr.trim())).toEqual([]);
    count('defectsFound', 1, 'cli: a slow hello under load started a second bangerd and failed (src/cli/daemon-client.ts)');
  });

  it('20 concurrent vm.start on one VM: it ends running once, the others succeed or get a clear busy error', { timeout: 120_000 }, async () => {
    count('concurrentClients', 20);
    await c.call('vm.create', { name: 'hot', noStart: true });
    const clients = await Promise.all(Array.from({ length: 20 }, () => d.client()));
    const outcomes = await Promise.allSettled(clients.map((k) => k.call('vm.start', { name: 'hot' })));
    for (const k of clients) k.close();
    const unclear = outcomes.filter((o) => o.status === 'rejected' && !clearBusy(o.reason)).map((o) => String((o as PromiseRejectedResult).reason));
    expect(unclear).toEqual([]);
    expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
    const vms = await settled(c, 30_000);
    expect(vms.map((v) => [v.name, v.state])).toEqual([['hot', 'running']]);
    expect(d.standinPids()).toEqual([vms[0]!.runtime.vmmPid]);
    expect(await invariantProblems(d, vms, { names: ['hot'], pool: POOL, label: '20 starts' })).toEqual([]);
    // And 20 concurrent stops + a delete end clean.
    const stoppers = await Promise.all(Array.from({ length: 20 }, () => d.client()));
    const stops = await Promise.allSettled(stoppers.map((k) => k.call('vm.stop', { name: 'hot' })));
    for (const k of stoppers) k.close();
    expect(stops.filter((o) => o.status === 'rejected' && !clearBusy(o.reason)).map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    expect((await c.call('vm.show', { name: 'hot' })).state).toBe('stopped');
    await c.call('vm.delete', { name: 'hot' });
    expect(await waitFor(() => d.standinPids().length === 0, 10_000)).toBe(true);
  });
});
