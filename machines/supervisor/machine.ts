/**
 * supervisor: the only root actor. Spawns the resource actors under fixed
 * systemIds (helperBridge, tapPool, dns), reconciles rows against the host,
 * then spawns one vm actor per row (`vm:<id>`), and runs the stale sweep and
 * stats poll while ready. Commands reach vm actors through the service facade.
 */
import { assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { dnsMachine } from '../dns/machine.js';
import { helperBridgeMachine } from '../helper-bridge/machine.js';
import { tapPoolMachine } from '../tap-pool/machine.js';
import { vmMachine } from '../vm/machine.js';
import type { ReconcileOutput, SupervisorContext, SupervisorEvent, SupervisorInput } from './events.js';

export const vmActorId = (vmId: string) => `vm:${vmId}`;

/** vm states in which a stop request is safe to send on the sweep's own initiative. */
function isRunning(ref: AnyActorRef | undefined): boolean {
  const snap = ref?.getSnapshot() as { value?: unknown } | undefined;
  return snap?.value === 'running';
}

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
  },
  actors: {
    vm: vmMachine,
    helperBridge: helperBridgeMachine,
    tapPool: tapPoolMachine,
    dns: dnsMachine,
    reconcile: fromPromise<ReconcileOutput>(async () => {
      throw new Error('supervisor actor "reconcile" is not provided');
    }),
    sweepStale: fromCallback<SupervisorEvent, SupervisorInput>(() => () => {}),
    pollStats: fromCallback<SupervisorEvent, SupervisorInput>(() => () => {}),
    watchExits: fromCallback<SupervisorEvent, SupervisorInput>(() => () => {}),
    drain: fromPromise<void>(async () => {}),
  },
  guards: {
    sweepOn: ({ context }) => context.autoStopStaleAfterMs > 0,
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({ ...input, report: null, lastError: null }),
  entry: enqueueActions(({ context, enqueue }) => {
    enqueue.spawnChild('helperBridge', { id: 'helperBridge', systemId: 'helperBridge' });
    enqueue.spawnChild('tapPool', { id: 'tapPool', systemId: 'tapPool', input: context.tapPool });
    enqueue.spawnChild('dns', { id: 'dns', systemId: 'dns', input: context.dns });
  }),
  initial: 'reconciling',
  on: { 'supervisor.shutdown': '.shuttingDown' },
  states: {
    reconciling: {
      invoke: {
        id: 'reconcile',
        src: 'reconcile',
        onDone: {
          target: 'ready',
          actions: enqueueActions(({ event, enqueue }) => {
            enqueue.assign({ report: event.output.report });
            enqueue.sendTo('tapPool', { type: 'pool.init', held: event.output.held });
            for (const input of event.output.plans) {
              const id = vmActorId(input.record.id);
              enqueue.spawnChild('vm', { id, systemId: id, input });
            }
          }),
        },
        // reconcile catches per-VM failures itself; reaching here means the store could not be read.
        onError: {
          target: 'ready',
          actions: [
            assign({ lastError: ({ event }) => (event.error instanceof Error ? event.error.message : String(event.error)) }),
            enqueueActions(({ enqueue }) => enqueue.sendTo('tapPool', { type: 'pool.init', held: {} })),
          ],
        },
      },
    },
    ready: {
      invoke: [
        { id: 'sweepStale', src: 'sweepStale', input: ({ context }) => context },
        { id: 'pollStats', src: 'pollStats', input: ({ context }) => context },
        { id: 'watchExits', src: 'watchExits', input: ({ context }) => context },
      ],
      on: {
        'vm.spawn': {
          actions: enqueueActions(({ event, enqueue }) => {
            const id = vmActorId(event.input.record.id);
            enqueue.spawnChild('vm', { id, systemId: id, input: event.input });
          }),
        },
        'vm.stale': {
          actions: enqueueActions(({ event, system, enqueue }) => {
            const ref = system.get(vmActorId(event.vmId));
            if (ref && isRunning(ref)) enqueue.sendTo(ref, { type: 'vm.stop' });
          }),
        },
        'vm.lost': {
          actions: enqueueActions(({ event, system, enqueue }) => {
            const ref = system.get(vmActorId(event.vmId));
            if (ref && isRunning(ref)) enqueue.sendTo(ref, { type: 'vm.exited', reason: event.reason } as AnyEventObject);
          }),
        },
      },
    },
    shuttingDown: {
      invoke: {
        id: 'drain',
        src: 'drain',
        onDone: 'done',
        onError: 'done',
      },
    },
    done: { type: 'final' },
  },
});

export type SupervisorMachine = typeof supervisorMachine;
