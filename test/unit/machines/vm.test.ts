/**
 * Model-based tests of the vm machine: @xstate/graph walks the machine's own
 * definition (events = commands + every invoked step's done/error), then each
 * generated path is replayed against a live vm actor inside the real
 * supervisor over fake ports, with the steps gated so the path decides how
 * each ends. One test per transition; invariants checked at the end of each.
 */
import { describe, expect, it } from 'vitest';
import { getAdjacencyMap, getShortestPaths, toDirectedGraph } from '@xstate/graph';
import type { DirectedGraphNode } from '@xstate/graph';
import { waitFor } from 'xstate';
import type { AnyEventObject, SnapshotFrom } from 'xstate';
import { vmMachine } from '../../../machines/vm/machine.js';
import type { VmInput } from '../../../machines/vm/events.js';
import { stateName } from '../../../machines/inspect.js';
import { makeRecord } from '../../helpers/records.js';
import { heldBy, startVmHarness } from '../../helpers/harness.js';
import type { GateMode } from '../../helpers/gates.js';

type Snap = SnapshotFrom<typeof vmMachine>;

const STEP_IDS = ['prepareStorage', 'acquireNetwork', 'launchVmm', 'waitForGuest', 'releaseResources', 'destroyStorage'] as const;
const tapRelease = { kind: 'tap' as const, name: 'bgt0' };
const DONE_OUTPUT: Record<string, unknown> = {
  prepareStorage: { releases: [], storage: { rootDisk: { path: '/x', format: 'qcow2' } } },
  acquireNetwork: { releases: [tapRelease], tap: 'bgt0' },
  launchVmm: { releases: [{ kind: 'vmm', apiSockPath: '/s', pid: 1 }], pid: 1 },
  waitForGuest: undefined,
  releaseResources: { failed: [] },
  destroyStorage: undefined,
};

const EVENTS: AnyEventObject[] = [
  { type: 'vm.start' },
  { type: 'vm.stop' },
  { type: 'vm.delete' },
  { type: 'vm.exited', reason: 'VMM process exited' },
  ...STEP_IDS.flatMap((id) => [
    { type: `xstate.done.actor.${id}`, output: DONE_OUTPUT[id] },
    { type: `xstate.error.actor.${id}`, error: new Error(`injected failure in ${id}`) },
  ]),
  // Releases that fail leave the stack held: the machine must keep it and route the next stop/delete through `stopping`.
  { type: 'xstate.done.actor.releaseResources', output: { failed: [{ release: tapRelease, message: 'tap: injected' }] } },
];

/** State value plus whether something is still held (guards depend on it). */
const serializeState = (s: Snap) => `${JSON.stringify(s.value)}${s.context.releases.length ? '+held' : ''}`;
const serializeEvent = (e: AnyEventObject) => `${e.type}${(e as { output?: { failed?: unknown[] } }).output?.failed?.length ? ':partial' : ''}`;

function gateModeOf(e: AnyEventObject): { id: string; mode: GateMode } | null {
  const m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(e.type);
  if (!m) return null;
  if (m[1] === 'error') return { id: m[2]!, mode: 'fail' };
  const failed = (e as { output?: { failed?: unknown[] } }).output?.failed;
  return { id: m[2]!, mode: failed && failed.length ? 'partial' : 'ok' };
}

interface Case {
  name: string;
  input: VmInput;
  harness: Parameters<typeof startVmHarness>[0];
  steps: Array<{ event: AnyEventObject; state: Snap }>;
  edge: string;
}

function transitionCases(label: string, input: VmInput, harness: Case['harness']): Case[] {
  const traversal = { input, events: EVENTS, serializeState, serializeEvent } as const;
  // @xstate/graph's option types are generic over the machine; the events list is deliberately wider.
  const adj = getAdjacencyMap(vmMachine, traversal as never);
  const shortest = getShortestPaths(vmMachine, traversal as never) as Array<{ state: Snap; steps: Array<{ event: AnyEventObject; state: Snap }> }>;
  const pathTo = new Map(shortest.map((p) => [serializeState(p.state), p.steps]));
  const cases: Case[] = [];
  for (const [from, { transitions }] of Object.entries(adj)) {
    for (const [evKey, { event, state }] of Object.entries(transitions as Record<string, { event: AnyEventObject; state: Snap }>)) {
      const to = serializeState(state);
      if (to === from) continue; // ignored events: nothing to replay
      const head = pathTo.get(from);
      if (!head) continue;
      cases.push({ name: `${label}: ${from} --${evKey}--> ${to}`, input, harness, steps: [...head, { event, state }], edge: `${from}|${evKey}` });
    }
  }
  return cases;
}

const base = makeRecord('model-vm', 0);
const adoptReleases = [
  { kind: 'tap' as const, name: 'bgt0' },
  { kind: 'vmm' as const, apiSockPath: base.runtime.apiSockPath, pid: 1 },
];
const CASES: Case[] = [
  ...transitionCases('from created', { record: base }, {}),
  ...transitionCases('adopted at reconcile', { record: { ...base, state: 'running' }, recover: { mode: 'adopt', releases: adoptReleases } }, {
    state: 'running',
    recover: { mode: 'adopt', releases: adoptReleases },
  }),
  ...transitionCases(
    'torn down at reconcile',
    { record: { ...base, state: 'starting' }, recover: { mode: 'teardown', releases: adoptReleases, reason: 'daemon restarted' } },
    { state: 'starting', recover: { mode: 'teardown', releases: adoptReleases, reason: 'daemon restarted' } },
  ),
];

/** Every transition the definition declares (source state node + event type). */
function declaredTransitions(): Set<string> {
  const out = new Set<string>();
  const walk = (n: DirectedGraphNode) => {
    for (const e of n.edges) out.add(`${e.source.id}|${e.label.text}`);
    n.children.forEach(walk);
  };
  walk(toDirectedGraph(vmMachine));
  return out;
}

describe('vm machine (model-based)', () => {
  it('generated paths cover every declared transition', () => {
    const covered = new Set<string>();
    for (const c of CASES) {
      for (let i = 0; i < c.steps.length; i++) {
        const prev = i === 0 ? null : c.steps[i - 1]!.state;
        const src = prev ? prev._nodes.filter((n) => n.type === 'atomic' || n.type === 'final') : [];
        for (const n of src) {
          // A transition may be declared on the atomic state or any ancestor.
          for (let p: typeof n | undefined = n; p; p = p.parent) covered.add(`${p.id}|${c.steps[i]!.event.type}`);
        }
      }
    }
    const missing = [...declaredTransitions()].filter((t) => !covered.has(t) && !t.includes('vm.acquired') && !t.includes('vm.configure') && !t.startsWith('vm.boot|'));
    expect(missing).toEqual([]);
    expect(CASES.length).toBeGreaterThan(30);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', { timeout: 15_000 }, async (_name, c) => {
    const h = await startVmHarness(c.harness);
    try {
      if (c.harness.recover) {
        // The adopted VM's fake process must exist for its undo stack to mean something.
        h.vmm.alive.set(1, base.runtime.apiSockPath);
        const pool = h.supervisor.system.get('tapPool')!;
        pool.send({ type: 'tap.release', vmId: 'nobody', name: 'x' });
      }
      for (const step of c.steps) {
        if (step.event.type.startsWith('xstate.init')) continue;
        const gm = gateModeOf(step.event);
        if (gm) await h.gate.release(gm.id, gm.mode);
        else h.vm.send(step.event);
        const want = stateName(step.state.value);
        await waitFor(h.vm, (s) => stateName((s as Snap).value) === want, { timeout: 3000 });
      }
      const snap = h.vm.getSnapshot() as Snap;
      const held = heldBy(h);
      const row = h.store.rows.get(h.vmId);
      if (snap.status === 'done') {
        expect(row).toBeUndefined();
        expect(held.handlesFile).toBe(false);
        return;
      }
      const at = stateName(snap.value)!;
      if (at === 'running') {
        expect(held.dns).toBe(snap.context.guestIP);
        expect(row?.state).toBe('running');
        expect(held.handlesFile).toBe(true);
      } else {
        expect(held.dns).toBeNull();
      }
      if ((at === 'error' || at === 'stopped') && snap.context.releases.length === 0) {
        // Everything acquired was released: no tap held, no NAT, no loop, no process, no handles file.
        expect(held).toMatchObject({ tapsHeld: [], handlesFile: false, nat: 0, loops: 0 });
        expect([...h.vmm.alive.keys()].filter((p) => p !== 1 || !c.harness.recover)).toEqual([]);
        expect(row?.state).toBe(at);
        expect(row?.runtime.tapDevice).toBeUndefined();
      }
      if (at === 'error') {
        expect(row?.runtime.lastError).toMatch(/^(start|stop|running|reconcile|delete)\./);
      }
    } finally {
      h.stop();
    }
  });
});
