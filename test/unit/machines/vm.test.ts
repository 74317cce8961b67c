/**
 * Model-based tests of the vm machine. @xstate/graph walks the machine's own
 * definition (events = commands + every invoked step's done/error, with
 * outputs shaped like the real steps'), and every (state, event) pair the
 * definition accepts becomes one case: the shortest path to the state plus
 * that event. Each case is replayed against a live vm actor inside the real
 * supervisor (real helper-bridge, tap-pool and dns actors) over fake ports,
 * with the steps gated so the path decides how each ends. The live actor's
 * microsteps are recorded, and the last test fails if any transition declared
 * in the definition was never taken by a live actor.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { getShortestPaths } from '@xstate/graph';
import { transition, waitFor } from 'xstate';
import type { AnyEventObject, AnyStateNode, InspectionEvent, SnapshotFrom } from 'xstate';
import { vmMachine } from '../../../machines/vm/machine.js';
import type { VmInput } from '../../../machines/vm/events.js';
import type { Release } from '../../../machines/vm/releases.js';
import { mirrorFromReleases } from '../../../machines/vm/releases.js';
import { STEP } from '../../../machines/vm/steps.js';
import { stateName } from '../../../machines/inspect.js';
import { GuestError, VmmError } from '../../../src/errors/index.js';
import { makeRecord } from '../../helpers/records.js';
import { heldBy, startVmHarness } from '../../helpers/harness.js';
import type { VmHarness, VmHarnessOptions } from '../../helpers/harness.js';
import type { GateMode } from '../../helpers/gates.js';

type Snap = SnapshotFrom<typeof vmMachine>;
type Step = { event: AnyEventObject; state: Snap };

const STEP_IDS = ['prepareStorage', 'acquireNetwork', 'launchVmm', 'waitForGuest', 'releaseResources', 'destroyStorage', 'pauseVmm', 'resumeVmm', 'snapshotVmm', 'snapshotDisks'] as const;
const PLAN = { snapshotId: 'snap-model', statePath: '/s/state.bin', memoryPath: '/s/memory.bin', disks: [] };
const base = makeRecord('model-vm', 0);
const ip = base.runtime.guestIP;

/** What each real step adds to the stack in the harness (storage attaches a loop; NAT is on). */
function doneOutput(id: string): unknown {
  switch (id) {
    case 'prepareStorage':
      return { releases: [{ kind: 'loop', device: '/dev/loop-model' }], storage: { rootDisk: { path: '/x', format: 'qcow2' } } };
    case 'acquireNetwork':
      return { releases: [{ kind: 'tap', name: 'bgt0' }, { kind: 'nat', guestIP: ip, tap: 'bgt0' }], tap: 'bgt0' };
    case 'launchVmm':
      return { releases: [{ kind: 'vmm', apiSockPath: base.runtime.apiSockPath, pid: 1 }], pid: 1 };
    case 'releaseResources':
      return { failed: [] };
    case 'snapshotVmm':
      return { pausedMs: 1, stateBytes: 1 };
    default:
      return undefined;
  }
}

/** Ids of the steps the state runs: only a running step can finish (an unhandled actor error would fail the whole machine). */
const invokedIn = (s: Snap) => new Set(s._nodes.flatMap((n) => n.invoke.map((i) => i.id)));

/** The events offered in a state; a partial release (every release fails) only when something is held, as the gate does. */
function eventsFor(s: Snap): AnyEventObject[] {
  const running = invokedIn(s);
  const out: AnyEventObject[] = [
    { type: 'vm.start' },
    { type: 'vm.stop' },
    { type: 'vm.stop', force: true },
    { type: 'vm.delete' },
    { type: 'vm.pause' },
    { type: 'vm.resume' },
    { type: 'vm.snapshot', plan: PLAN },
    { type: 'vm.exited', reason: 'VMM process exited' },
    { type: 'vm.configure', spec: { ...s.context.spec, vcpuCount: s.context.spec.vcpuCount + 1 } },
    ...STEP_IDS.filter((id) => running.has(id)).flatMap((id) => [
      { type: `xstate.done.actor.${id}`, output: doneOutput(id) },
      { type: `xstate.error.actor.${id}`, error: new Error(`injected failure in ${id}`) },
    ]),
  ];
  if (running.has('releaseResources') && s.context.releases.length) {
    out.push({ type: 'xstate.done.actor.releaseResources', output: { failed: s.context.releases.map((release) => ({ release, message: 'injected' })) } });
  }
  return out;
}

const held = (releases: readonly Release[]) => releases.length > 0;
/** State value plus whether something is held: the guards depend on it. */
const serializeState = (s: Snap) =>
  `${JSON.stringify(s.value)}${held(s.context.releases) ? '+held' : ''}${s.value === 'snapshotting' ? `<${s.context.snapshot?.from}` : ''}`;
const serializeEvent = (e: AnyEventObject) =>
  `${e.type}${(e as { output?: { failed?: unknown[] } }).output?.failed?.length ? ':partial' : ''}${(e as { force?: boolean }).force ? ':force' : ''}`;

function gateModeOf(e: AnyEventObject): { id: string; mode: GateMode } | null {
  const m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(e.type);
  if (!m) return null;
  if (m[1] === 'error') return { id: m[2]!, mode: 'fail' };
  const failed = (e as { output?: { failed?: unknown[] } }).output?.failed;
  return { id: m[2]!, mode: failed && failed.length ? 'partial' : 'ok' };
}

/** The model's next state (pure: actions are not executed). */
const next = (s: Snap, e: AnyEventObject): Snap => transition(vmMachine, s, e as never)[0];

interface Case {
  name: string;
  harness: VmHarnessOptions;
  steps: Step[];
}

function pathsFor(input: VmInput) {
  const traversal = { input, events: eventsFor, serializeState, serializeEvent };
  // @xstate/graph's option types are generic over the machine's event union; ours adds the done/error events.
  const shortest = getShortestPaths(vmMachine, traversal as never) as unknown as Array<{ state: Snap; steps: Step[] }>;
  return new Map(shortest.map((p) => [serializeState(p.state), p]));
}

/** One case per (reachable state, accepted event): the shortest path there, then the event. */
function transitionCases(label: string, input: VmInput, harness: VmHarnessOptions): Case[] {
  const cases: Case[] = [];
  for (const [from, path] of pathsFor(input)) {
    if (path.state.status !== 'active') continue;
    for (const event of eventsFor(path.state)) {
      if (!path.state.can(event as never)) continue;
      const to = next(path.state, event);
      cases.push({ name: `${label}: ${from} --${serializeEvent(event)}--> ${serializeState(to)}`, harness, steps: [...path.steps, { event, state: to }] });
    }
  }
  return cases;
}

const adoptReleases: Release[] = [
  { kind: 'tap', name: 'bgt0' },
  { kind: 'nat', guestIP: ip, tap: 'bgt0' },
  { kind: 'vmm', apiSockPath: base.runtime.apiSockPath, pid: 1 },
];
const inputs: Array<[string, VmInput, VmHarnessOptions]> = [
  ['from created', { record: base }, { record: base }],
  ['row stopped', { record: { ...base, state: 'stopped' } }, { record: base, state: 'stopped' }],
  ['row error', { record: { ...base, state: 'error' } }, { record: base, state: 'error' }],
  [
    'row error, still holding',
    { record: { ...base, state: 'error' }, recover: { mode: 'hold', releases: adoptReleases } },
    { record: base, state: 'error', recover: { mode: 'hold', releases: adoptReleases } },
  ],
  [
    'adopted at reconcile',
    { record: { ...base, state: 'running' }, recover: { mode: 'adopt', releases: adoptReleases } },
    { record: base, state: 'running', recover: { mode: 'adopt', releases: adoptReleases } },
  ],
  [
    'adopted paused at reconcile',
    { record: { ...base, state: 'paused' }, recover: { mode: 'adopt', releases: adoptReleases } },
    { record: base, state: 'paused', recover: { mode: 'adopt', releases: adoptReleases } },
  ],
  [
    'torn down at reconcile',
    { record: { ...base, state: 'starting' }, recover: { mode: 'teardown', releases: adoptReleases, reason: 'daemon restarted' } },
    { record: base, state: 'starting', recover: { mode: 'teardown', releases: adoptReleases, reason: 'daemon restarted' } },
  ],
];
const CASES: Case[] = inputs.flatMap(([label, input, harness]) => transitionCases(label, input, harness));

/** A failure in each `starting` substate, then the rollback: the path comes from the graph too. */
const SUBSTATES = [
  ['storage', 'prepareStorage', STEP.storage],
  ['network', 'acquireNetwork', STEP.networkTap],
  ['vmm', 'launchVmm', STEP.vmmLaunch],
  ['guestReady', 'waitForGuest', STEP.guestReady],
] as const;
const fromCreated = pathsFor({ record: base });
function failureCase(sub: string, stepId: string): Step[] {
  const to = [...fromCreated.values()].find((p) => JSON.stringify(p.state.value) === JSON.stringify({ starting: sub }));
  if (!to) throw new Error(`starting.${sub} is unreachable in the model`);
  const fail = { type: `xstate.error.actor.${stepId}`, error: new Error('x') };
  const rolling = next(to.state, fail);
  const done = { type: 'xstate.done.actor.releaseResources', output: { failed: [] } };
  return [...to.steps, { event: fail, state: rolling }, { event: done, state: next(rolling, done) }];
}

// ---- replay -----------------------------------------------------------------

const key = (source: string, eventType: string, targets: readonly { id: string }[] | undefined) =>
  `${source}|${eventType || '(always)'}|${(targets ?? []).map((t) => t.id).join(',')}`;
const exercised = new Set<string>();
function record(ev: InspectionEvent): void {
  if (ev.type !== '@xstate.microstep' || !(ev.actorRef as { id?: string }).id?.startsWith('vm:')) return;
  for (const t of ev._transitions) exercised.add(key(t.source.id, t.eventType, t.target));
}

/** Every transition the definition declares: (source state, event, targets), guarded branches apart. */
function declaredTransitions(): Set<string> {
  const out = new Set<string>();
  const walk = (n: AnyStateNode) => {
    for (const defs of Object.values(n.on)) for (const t of defs ?? []) out.add(key(t.source.id, t.eventType, t.target));
    for (const t of n.always ?? []) out.add(key(t.source.id, t.eventType, t.target));
    for (const child of Object.values(n.states)) walk(child);
  };
  walk(vmMachine.root);
  return out;
}

type Ctx = Snap['context'];
const REST = ['created', 'running', 'paused', 'stopped', 'error'];
const ctxOf = (h: VmHarness) => (h.vm.getSnapshot() as Snap).context;

/** Holds at every step: one tap, one VMM at most, and the books agree with each other. */
function checkStepInvariants(h: VmHarness, where: string): void {
  const c: Ctx = ctxOf(h);
  const taps = c.releases.filter((r) => r.kind === 'tap').length;
  const vmms = c.releases.filter((r) => r.kind === 'vmm').length;
  expect({ where, taps: taps <= 1, vmms: vmms <= 1, processes: h.vmm.alive.size <= 1, poolTaps: heldBy(h).tapsHeld.length <= 1 }).toEqual({
    where,
    taps: true,
    vmms: true,
    processes: true,
    poolTaps: true,
  });
}

async function replay(h: VmHarness, steps: Step[]): Promise<void> {
  for (const [i, step] of steps.entries()) {
    if (step.event.type.startsWith('xstate.init')) continue;
    const gm = gateModeOf(step.event);
    if (gm) await h.gate.release(gm.id, gm.mode);
    else h.vm.send(step.event);
    const want = stateName(step.state.value);
    const wantHeld = held(step.state.context.releases);
    try {
      await waitFor(h.vm, (s) => stateName((s as Snap).value) === want && held((s as Snap).context.releases) === wantHeld, { timeout: 3000 });
    } catch {
      const s = h.vm.getSnapshot() as Snap;
      throw new Error(
        `step ${i} (${serializeEvent(step.event)}): model says ${want}${wantHeld ? '+held' : ''}, actor is ${stateName(s.value)}${held(s.context.releases) ? '+held' : ''} (${JSON.stringify(s.context.releases)})`,
      );
    }
    checkStepInvariants(h, `after step ${i} ${serializeEvent(step.event)}`);
  }
}

/** Nothing of the VM's is held anywhere: pool, DNS, handles.json, row mirror, host model, processes. */
function expectAllReleased(h: VmHarness): void {
  const row = h.store.rows.get(h.vmId);
  expect(heldBy(h)).toEqual({ tapsHeld: [], dns: null, handlesFile: false, processes: [], nat: 0, loops: 0 });
  expect(ctxOf(h).releases).toEqual([]);
  for (const k of ['tapDevice', 'baseLoop', 'cowLoop', 'dmName', 'vmmPid'] as const) expect(row?.runtime[k], k).toBeUndefined();
}

function checkFinal(h: VmHarness): void {
  const snap = h.vm.getSnapshot() as Snap;
  const row = h.store.rows.get(h.vmId);
  const now = heldBy(h);
  if (snap.status === 'done') {
    expect(row).toBeUndefined();
    expect(now).toMatchObject({ tapsHeld: [], dns: null, handlesFile: false, processes: [], nat: 0, loops: 0 });
    return;
  }
  const at = stateName(snap.value)!;
  if (['running', 'pausing', 'paused', 'resuming', 'snapshotting'].includes(at)) {
    // A paused guest keeps everything a running one holds; the row says paused once the pause took.
    // A live snapshot leaves the row as it was (running or paused) until it is back.
    expect(now.dns).toBe(snap.context.guestIP);
    const rowPaused = at === 'paused' || at === 'resuming' || (at === 'snapshotting' && snap.context.snapshot?.from === 'paused');
    expect(row?.state).toBe(rowPaused ? 'paused' : 'running');
    expect(now.handlesFile).toBe(true);
    expect(row?.runtime.tapDevice).toBe(snap.context.tap);
    expect(now.tapsHeld).toEqual([snap.context.tap]);
    expect(now.processes).toEqual([snap.context.pid]);
  } else {
    expect(now.dns).toBeNull();
  }
  if (at === 'error' || at === 'stopped') {
    expect(row?.state).toBe(at);
    if (snap.context.releases.length === 0) expectAllReleased(h);
    else {
      // Still held after a failed release: recorded where the next stop (or reconcile) finds it.
      expect(now.handlesFile).toBe(true);
      const mirror = mirrorFromReleases(snap.context.releases);
      for (const [k, v] of Object.entries(mirror)) expect(row?.runtime[k as keyof typeof mirror]).toBe(v);
    }
  }
  if (at === 'error') expect(row?.runtime.lastError).toMatch(/^(start|stop|running|reconcile|delete)\./);
  if (at === 'created') expect(now.handlesFile).toBe(false);
}

describe('vm machine (model-based)', () => {
  afterAll(() => {
    // Printed so the coverage figure is visible in CI logs.
    const declared = declaredTransitions();
    const hit = [...declared].filter((t) => exercised.has(t)).length;
    console.log(`vm machine transitions exercised by live actors: ${hit}/${declared.size}`);
    if (process.env.BANGER_PRINT_EDGES) console.log([...declared].join("\n"));
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', { timeout: 15_000 }, async (_name, c) => {
    const h = await startVmHarness({ ...c.harness, inspect: record });
    try {
      await replay(h, c.steps);
      checkFinal(h);
      // Then let every step run for real until the VM rests: wherever the edge left it, the books must still balance.
      h.gate.open();
      await waitFor(h.vm, (s) => s.status !== 'active' || REST.includes(stateName((s as Snap).value) ?? ''), { timeout: 3000 });
      checkStepInvariants(h, 'at rest');
      checkFinal(h);
      const pool = h.supervisor.system.get('tapPool')!.getSnapshot() as { context: { ready: string[]; used: Record<string, string> } };
      for (const t of h.helper.state().taps) expect(pool.context.ready.includes(t) || pool.context.used[t] !== undefined, `tap ${t} is in no book`).toBe(true);
    } finally {
      h.stop();
    }
  });

  describe.each(SUBSTATES)('a failure in starting.%s', (sub, stepId, stepName) => {
    it('ends in error with everything released (gate fails the step before it acts)', { timeout: 15_000 }, async () => {
      const h = await startVmHarness({ inspect: record });
      try {
        await replay(h, failureCase(sub, stepId));
        expect(stateName(h.vm.getSnapshot().value)).toBe('error');
        expectAllReleased(h);
        const row = h.store.rows.get(h.vmId)!;
        expect(row.state).toBe('error');
        expect(row.runtime.lastError).toMatch(new RegExp(`^${stepName.replace(/\./g, '\\.')}: `));
      } finally {
        h.stop();
      }
    });
  });

  describe('a failure inside each start step, after it acquired something', () => {
    /** Runs the start with real steps (gates open) until the fault fires, then checks the rollback left nothing. */
    async function startUntilError(h: VmHarness): Promise<string> {
      h.gate.open();
      h.vm.send({ type: 'vm.start' });
      await waitFor(h.vm, (s) => stateName((s as Snap).value) === 'error', { timeout: 3000 });
      return h.store.rows.get(h.vmId)!.runtime.lastError ?? '';
    }

    it('storage: a loop was attached, then prepare failed', { timeout: 15_000 }, async () => {
      const h = await startVmHarness({ inspect: record });
      try {
        h.ports.storage = {
          ...h.ports.storage,
          async prepare(_vm, { announce }) {
            const { device } = await h.helper.call('loop.attach', { path: '/x/base', readOnly: true });
            announce({ kind: 'loop', device });
            throw new Error('mkfs failed');
          },
        };
        expect(await startUntilError(h)).toMatch(/^start\.storage\.prepare: mkfs failed/);
        expectAllReleased(h);
      } finally {
        h.stop();
      }
    });

    it('network: the tap was handed out, then nat.up failed', { timeout: 15_000 }, async () => {
      const h = await startVmHarness({ inspect: record });
      try {
        h.helper.setFailOn((op) => (op === 'nat.up' ? new Error('iptables: resource busy') : undefined));
        expect(await startUntilError(h)).toMatch(/^start\.network\.nat: iptables: resource busy/);
        h.helper.setFailOn(undefined);
        expectAllReleased(h);
        // The pool was already full again, so the returned tap was deleted rather than kept: either way, no stray tap.
        const pool = h.supervisor.system.get('tapPool')!.getSnapshot() as { context: { ready: string[] } };
        expect(h.helper.state().taps.sort()).toEqual([...pool.context.ready].sort());
      } finally {
        h.stop();
      }
    });

    it('vmm: the process started, then launch reported failure (no pid recorded)', { timeout: 15_000 }, async () => {
      const h = await startVmHarness({ inspect: record });
      try {
        h.vmm.launch = async (spec) => {
          h.vmm.alive.set(777, spec.apiSockPath);
          throw new VmmError('qemu exited during launch');
        };
        expect(await startUntilError(h)).toMatch(/^start\.vmm\.launch: qemu exited during launch/);
        expectAllReleased(h); // found by its socket path and killed
      } finally {
        h.stop();
      }
    });

    it('guest-ready: the VMM runs but the guest never answers', { timeout: 15_000 }, async () => {
      const h = await startVmHarness({ inspect: record });
      try {
        h.ports.guest = { waitForGuest: async () => Promise.reject(new GuestError('no SSH banner after 30 s')) };
        expect(await startUntilError(h)).toMatch(/^start\.guest\.ready: no SSH banner/);
        expectAllReleased(h);
        const row = h.store.rows.get(h.vmId)!;
        expect(h.handles.files.has(h.vmId)).toBe(false);
        expect(row.runtime.vmmPid).toBeUndefined();
      } finally {
        h.stop();
      }
    });
  });

  it('every transition declared in the definition was taken by a live actor', () => {
    const declared = declaredTransitions();
    const missing = [...declared].filter((t) => !exercised.has(t));
    expect(declared.size).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });
});

describe('vm machine: late announcements', () => {
  it('a resource announced after the start was cancelled is released, not forgotten', { timeout: 15_000 }, async () => {
    const h = await startVmHarness();
    try {
      let proceed!: () => void;
      const wait = new Promise<void>((r) => (proceed = r));
      let finished!: () => void;
      const done = new Promise<void>((r) => (finished = r));
      // A storage port that does not honour its signal: it attaches a loop after the VM has moved on.
      h.ports.storage = {
        ...h.ports.storage,
        async prepare(vm, { announce }) {
          await wait;
          const { device } = await h.helper.call('loop.attach', { path: `${vm.runtime.vmDir}/base`, readOnly: true });
          announce({ kind: 'loop', device });
          finished();
          return { rootDisk: { path: vm.runtime.systemOverlayPath, format: 'qcow2' } };
        },
      };
      h.gate.open();
      h.vm.send({ type: 'vm.start' });
      await waitFor(h.vm, (s) => stateName((s as Snap).value) === 'starting.storage', { timeout: 3000 });
      h.vm.send({ type: 'vm.stop' });
      await waitFor(h.vm, (s) => (s as Snap).value === 'stopped', { timeout: 3000 });
      proceed();
      await done;
      const bridge = h.supervisor.system.get('helperBridge')!;
      await waitFor(bridge, (s) => (s as { context: { calls: number; inFlight: number } }).context.inFlight === 0 && h.helper.count('loop.detach') > 0, {
        timeout: 3000,
      });
      expect(h.vm.getSnapshot().value).toBe('stopped');
      expectAllReleased(h);
    } finally {
      h.stop();
    }
  });
});
