import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BangerError } from '../../src/errors/index.js';
import { handlesPath } from '../../src/host/layout.js';
import { gated, requiresNetns } from '../helpers/host-caps.js';
import { NetnsDaemon } from '../helpers/netns-daemon.js';
import { count } from './support/counters.js';
import { ensureDist } from './support/dist.js';
import { invariantProblems, settled } from './support/vm-checks.js';

/**
 * Damaged on-disk state (issue 8, item 3) with stand-in VMs: handles.json
 * corrupt or missing across a daemon restart, the VM directory deleted under
 * a stopped and under a running VM. Each gets a clear error or a repair,
 * bangerd keeps serving, and nothing is left behind after vm delete.
 */
const missing = requiresNetns();
const POOL = 1;

describe.skipIf(missing !== null)(gated('damaged VM state on disk (stand-in VMs)', missing), () => {
  let d: NetnsDaemon | undefined;
  beforeAll(() => ensureDist(), 180_000);
  afterEach(async () => {
    await d?.cleanup();
    d = undefined;
  }, 60_000);

  const fresh = async () => {
    d = new NetnsDaemon({ tapPoolSize: POOL, tempPrefix: 'bgrel-', netnsTag: 'rel' });
    await d.start();
    return d;
  };

  /** A daemon error must be a BangerError with a hint, never a dropped connection. */
  const clear = (err: unknown) => err instanceof BangerError && err.kind !== 'internal' && Boolean(err.hint);

  it.each([
    ['corrupt', (p: string) => writeFileSync(p, '{"version":1,"pid":"not a number",')],
    ['binary junk in', (p: string) => writeFileSync(p, Buffer.from([0, 1, 2, 255, 254]))],
    ['missing', (p: string) => rmSync(p, { force: true })],
    ['empty', (p: string) => writeFileSync(p, '')],
  ])('%s handles.json across a kill -9: the running VM is re-adopted or stopped, and its VMM does not leak', { timeout: 120_000 }, async (_what, damage) => {
    const dd = await fresh();
    let c = await dd.client();
    const vm = await c.call('vm.create', { name: 'victim' });
    await c.call('vm.create', { name: 'healthy' });
    await dd.kill9();
    damage(handlesPath(dd.layout, vm.id));
    count('faultsInjected', 2, `${_what} handles.json + kill -9`);
    await dd.start();
    c = await dd.client();
    const vms = await settled(c, 60_000);
    expect(await invariantProblems(dd, vms, { names: ['victim', 'healthy'], pool: POOL, label: `${_what} handles.json` })).toEqual([]);
    expect(vms.find((v) => v.name === 'healthy')?.state).toBe('running');
    const victim = vms.find((v) => v.name === 'victim')!;
    if (victim.state === 'stopped') expect(victim.runtime.lastError ?? '').not.toBe('');
    // Usable afterwards, and delete leaves nothing.
    if (victim.state === 'stopped') expect((await c.call('vm.start', { name: 'victim' })).state).toBe('running');
    await c.call('vm.delete', { name: 'victim', force: true });
    const after = await settled(c, 30_000);
    expect(await invariantProblems(dd, after, { names: ['healthy'], pool: POOL, label: `${_what} handles.json, after delete` })).toEqual([]);
    await dd.stop();
  });

  it('the VM directory deleted under a stopped VM: vm start repairs it or fails clearly; bangerd keeps serving; delete works', { timeout: 120_000 }, async () => {
    const dd = await fresh();
    const c = await dd.client();
    const vm = await c.call('vm.create', { name: 'nodir', noStart: true });
    await c.call('vm.start', { name: 'nodir' });
    await c.call('vm.stop', { name: 'nodir' });
    rmSync(vm.runtime.vmDir, { recursive: true, force: true });
    count('faultsInjected', 1, 'deleted VM dir (stopped)');
    const started = await c.call('vm.start', { name: 'nodir' }).then(
      (v) => ({ ok: true as const, v }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    if (!started.ok) expect(clear(started.err), String(started.err)).toBe(true);
    else expect(started.v.state).toBe('running');
    expect((await c.call('daemon.status', {})).pid).toBe(dd.pid);
    await c.call('vm.delete', { name: 'nodir', force: true });
    expect(existsSync(vm.runtime.vmDir)).toBe(false);
    const after = await settled(c, 30_000);
    expect(after).toEqual([]);
    expect(await invariantProblems(dd, after, { names: [], pool: POOL, label: 'deleted VM dir (stopped)' })).toEqual([]);
    await dd.stop();
  });

  it('the VM directory deleted under a running VM, then a daemon restart: clear state, no leak, delete works', { timeout: 120_000 }, async () => {
    const dd = await fresh();
    let c = await dd.client();
    const vm = await c.call('vm.create', { name: 'gone' });
    rmSync(vm.runtime.vmDir, { recursive: true, force: true });
    await dd.kill9();
    count('faultsInjected', 2, 'deleted VM dir (running) + kill -9');
    await dd.start();
    c = await dd.client();
    const vms = await settled(c, 60_000);
    expect(await invariantProblems(dd, vms, { names: ['gone'], pool: POOL, label: 'deleted VM dir (running)' })).toEqual([]);
    const stop = await c.call('vm.stop', { name: 'gone' }).then(
      () => null,
      (err: unknown) => err,
    );
    if (stop) expect(clear(stop), String(stop)).toBe(true);
    await c.call('vm.delete', { name: 'gone', force: true });
    const after = await settled(c, 30_000);
    expect(after).toEqual([]);
    expect(await invariantProblems(dd, after, { names: [], pool: POOL, label: 'deleted VM dir (running), after delete' })).toEqual([]);
    await dd.stop();
  });
});
