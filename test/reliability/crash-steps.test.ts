import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gated, requiresNetns } from '../helpers/host-caps.js';
import { NetnsDaemon } from '../helpers/netns-daemon.js';
import { waitFor } from '../helpers/index.js';
import { count } from './support/counters.js';
import { ensureDist } from './support/dist.js';
import { waitTransition } from './support/transitions.js';
import { invariantProblems, settled } from './support/vm-checks.js';

/**
 * Crash at every step (issue 8, item 1) with the stand-in driver: for each
 * `starting` substate and for `stopping`, bangerd is held at that step (a long
 * stand-in delay there), kill -9'd once the VM's transition into it is seen,
 * and restarted without delays. Every VM then ends running (VMM alive) or
 * stopped, nothing leaks, and the VM still starts, stops and deletes cleanly.
 */
const missing = requiresNetns();
const POOL = 1;
const HOLD = '60s';

interface Step {
  /** The transition target that means "paused here". */
  state: string;
  /** [standin] line that holds the machine in this step (none for network: its step is a pool hand-out). */
  hold?: string;
  /** Whether the VM is started before the stop that gets interrupted. */
  stop?: boolean;
}

const STEPS: Step[] = [
  { state: 'starting.storage', hold: `prepare_delay = "${HOLD}"` },
  { state: 'starting.network' },
  { state: 'starting.vmm', hold: `launch_delay = "${HOLD}"` },
  { state: 'starting.guestReady', hold: `guest_ready_delay = "${HOLD}"` },
  { state: 'stopping', hold: `stop_delay = "${HOLD}"`, stop: true },
];

describe.skipIf(missing !== null)(gated('kill -9 of bangerd at every start step and at stopping (stand-in VMs)', missing), () => {
  let d: NetnsDaemon | undefined;
  beforeAll(() => ensureDist(), 180_000);
  afterEach(async () => {
    await d?.cleanup();
    d = undefined;
  }, 60_000);

  it.each(STEPS)('paused at $state: after restart the VM is running or stopped, nothing leaks, and it still works', { timeout: 180_000 }, async (step) => {
    d = new NetnsDaemon({ tapPoolSize: POOL, tempPrefix: 'bgrel-', netnsTag: 'rel' });
    const config = readFileSync(d.layout.configFile, 'utf8');
    await d.start();
    const c = await d.client();
    const name = `crash-${step.state.replace(/\W/g, '-').toLowerCase()}`;
    // A bystander VM running throughout: the crash must not take it down either.
    await c.call('vm.create', { name: 'bystander' });
    if (step.stop) await c.call('vm.create', { name });
    else await c.call('vm.create', { name, noStart: true });
    // The hold applies to every VM, so it goes in only now, across a graceful restart (running VMs stay up).
    await d.stop();
    if (step.hold) writeFileSync(d.layout.configFile, `${config}\n[standin]\n${step.hold}\n`);
    await d.start();
    const c2 = await d.client();
    await c2.call('events.subscribe', { topics: ['vm.transition'] });
    const at = waitTransition(c2, name, step.state, 30_000);
    void c2.call(step.stop ? 'vm.stop' : 'vm.start', { name }).catch(() => undefined);
    await at;
    await d.kill9();
    count('faultsInjected', 1, `kill -9 at ${step.state}`);

    writeFileSync(d.layout.configFile, config); // no delays from here on
    await d.start();
    const c3 = await d.client();
    const vms = await settled(c3, 60_000);
    expect(await invariantProblems(d, vms, { names: ['bystander', name], pool: POOL, label: `kill -9 at ${step.state}` })).toEqual([]);
    expect(vms.find((v) => v.name === 'bystander')?.state).toBe('running');

    // Still fully usable: start (if demoted), stop, start, delete, and no trace after delete.
    const vm = vms.find((v) => v.name === name)!;
    if (vm.state === 'stopped') expect((await c3.call('vm.start', { name })).state).toBe('running');
    expect((await c3.call('vm.stop', { name })).state).toBe('stopped');
    expect((await c3.call('vm.start', { name })).state).toBe('running');
    await c3.call('vm.delete', { name, force: true });
    expect(existsSync(vm.runtime.vmDir)).toBe(false);
    const after = await settled(c3, 30_000);
    expect(after.map((v) => v.name)).toEqual(['bystander']);
    expect(await invariantProblems(d, after, { names: ['bystander'], pool: POOL, label: `after delete (${step.state})` })).toEqual([]);
    expect(await waitFor(() => d!.standinPids().length === 1, 10_000)).toBe(true);
    await d.stop();
  });
});
