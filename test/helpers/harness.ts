/**
 * Runs one vm actor inside the real supervisor (so helper-bridge, tap-pool
 * and dns are the real actors) over fake ports, with every vm step gated.
 */
import { createActor, fromPromise, waitFor } from 'xstate';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { VMRecord } from '../../src/model/index.js';
import type { DnsServerFactory } from '../../machines/ports.js';
import { provideSupervisor } from '../../machines/supervisor/actors.js';
import { vmActorId } from '../../machines/supervisor/machine.js';
import { createVmSteps, vmActions } from '../../machines/vm/actors.js';
import { vmMachine } from '../../machines/vm/machine.js';
import type { VmInput } from '../../machines/vm/events.js';
import type { ReconcileOutput } from '../../machines/supervisor/events.js';
import type { ReleaseInput, ReleaseOutput, StepInput } from '../../machines/vm/events.js';
import { createFakePorts, createFakeStorage } from '../fakes/index.js';
import type { FakePortsBundle } from '../fakes/index.js';
import { GateController } from './gates.js';
import { makeRecord } from './records.js';

export const BRIDGE = 'br-test';

export interface VmHarness extends FakePortsBundle {
  gate: GateController;
  supervisor: ReturnType<typeof createActor<ReturnType<typeof provideSupervisor>>>;
  vm: AnyActorRef;
  vmId: string;
  name: string;
  stop(): void;
}

export interface VmHarnessOptions {
  nat?: boolean;
  recover?: VmInput['recover'];
  state?: VmInput['record']['state'];
  /** Inspection events of the whole system (the model test records the vm actor's microsteps). */
  inspect?: (ev: InspectionEvent) => void;
  /** The row to run; default a fresh `model-vm`. */
  record?: VMRecord;
  /** Real DNS server factory (default: a null server that binds nothing). */
  dns?: DnsServerFactory;
}

export async function startVmHarness(opts: VmHarnessOptions = {}): Promise<VmHarness> {
  const bundle = createFakePorts(opts.dns ? { startDnsServer: opts.dns } : {});
  bundle.ports.storage = createFakeStorage(bundle.helper); // attaches a loop: exercises loop releases too
  const record = structuredClone(opts.record ?? makeRecord('model-vm', 0));
  record.spec.natEnabled = opts.nat ?? true;
  if (opts.state) record.state = opts.state;
  if (opts.state === 'error') record.runtime.lastError = 'start.vmm.launch: failed before the daemon restarted';
  bundle.store.insert(record);
  // A recovered VM's resources exist on the host before the daemon starts: model them.
  const held: Record<string, string> = {};
  for (const r of opts.recover?.releases ?? []) {
    if (r.kind === 'tap') {
      held[r.name] = record.id;
      await bundle.helper.call('tap.create', { name: r.name, bridge: BRIDGE });
    } else if (r.kind === 'nat') await bundle.helper.call('nat.up', { guestIP: r.guestIP, tap: r.tap, bridge: BRIDGE });
    else if (r.kind === 'vmm' && r.pid !== undefined) bundle.vmm.alive.set(r.pid, r.apiSockPath);
  }
  const gate = new GateController();
  const steps = createVmSteps(bundle.ports, { bridge: BRIDGE, stopTimeoutMs: 100 });
  /** A step that waits at its gate (and honours its abort) before it runs for real. */
  const gatedStep = <I, R>(id: string, step: (a: { input: I; signal: AbortSignal; system: Parameters<typeof steps.prepareStorage>[0]['system']; self: AnyActorRef }) => Promise<R>) =>
    fromPromise<R, I>(async (a) => {
      await gate.enter(id, a.signal);
      return step(a);
    });
  const gated = vmMachine.provide({
    actors: {
      prepareStorage: gatedStep('prepareStorage', steps.prepareStorage),
      acquireNetwork: gatedStep('acquireNetwork', steps.acquireNetwork),
      launchVmm: gatedStep('launchVmm', steps.launchVmm),
      waitForGuest: fromPromise(async (a: { input: StepInput & { pid: number }; signal: AbortSignal } & Omit<Parameters<typeof steps.waitForGuest>[0], 'input' | 'signal'>) => {
        await gate.enter('waitForGuest', a.signal);
        return steps.waitForGuest(a);
      }),
      releaseResources: fromPromise(async (a: { input: ReleaseInput } & Omit<Parameters<typeof steps.releaseResources>[0], 'input'>): Promise<ReleaseOutput> => {
        const mode = await gate.enter('releaseResources');
        if (mode === 'partial') return { failed: a.input.releases.map((release) => ({ release, message: 'injected release failure' })) };
        return steps.releaseResources(a);
      }),
      destroyStorage: fromPromise(async (a: Parameters<typeof steps.destroyStorage>[0]) => {
        await gate.enter('destroyStorage');
        return steps.destroyStorage(a);
      }),
      pauseVmm: gatedStep('pauseVmm', steps.pauseVmm),
      snapshotVmm: gatedStep('snapshotVmm', steps.snapshotVmm),
      snapshotDisks: gatedStep('snapshotDisks', steps.snapshotDisks),
      resumeVmm: gatedStep('resumeVmm', steps.resumeVmm),
    },
    actions: vmActions(bundle.ports),
  });
  const logic = provideSupervisor(bundle.ports, { bridge: BRIDGE, stopTimeoutMs: 100, helperRetry: { attempts: 1, baseDelayMs: 1 } }).provide({
    actors: {
      vm: gated,
      reconcile: fromPromise<ReconcileOutput>(async () => ({
        plans: [{ record, ...(opts.recover ? { recover: opts.recover } : {}) }],
        held,
        report: { kept: [], demoted: [] },
      })),
    },
  });
  const supervisor = createActor(logic, {
    systemId: 'supervisor',
    ...(opts.inspect ? { inspect: opts.inspect } : {}),
    input: {
      tapPool: { bridge: BRIDGE, bridgeAddress: '172.16.0.1/24', prefix: 'bgt', size: 1 },
      dns: { host: '127.0.0.1', port: 0 },
      autoStopStaleAfterMs: 0,
      staleSweepIntervalMs: 60_000,
      statsPollIntervalMs: 0,
      exitWatchIntervalMs: 0,
    },
  });
  supervisor.start();
  await waitFor(supervisor, (s) => s.value === 'ready', { timeout: 2000 });
  // Let the pool finish its first fill so taps come from the ready set.
  const pool = supervisor.system.get('tapPool')!;
  await waitFor(pool, (s) => (s as { value: unknown }).value !== 'waiting' && (s as { context: { ready: string[] } }).context.ready.length === 1, { timeout: 2000 });
  const vm = supervisor.system.get(vmActorId(record.id))!;
  return { ...bundle, gate, supervisor, vm, vmId: record.id, name: record.name, stop: () => supervisor.stop() };
}

/** What the VM holds on the host right now, through every resource's books. */
export function heldBy(h: VmHarness) {
  const pool = h.supervisor.system.get('tapPool')!.getSnapshot() as { context: { used: Record<string, string> } };
  const dns = h.supervisor.system.get('dns')!.getSnapshot() as { context: { records: Record<string, string> } };
  const host = h.helper.state();
  return {
    tapsHeld: Object.entries(pool.context.used).filter(([, id]) => id === h.vmId).map(([t]) => t),
    dns: dns.context.records[h.name] ?? null,
    handlesFile: h.handles.files.has(h.vmId),
    processes: [...h.vmm.alive.keys()],
    nat: host.nat.length,
    loops: host.loops.length,
  };
}
