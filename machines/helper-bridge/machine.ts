/**
 * helper-bridge: the one mailbox every privileged operation goes through.
 * Each call runs in its own spawned `callHelper` actor (so a slow `tap.create`
 * does not block a `nat.down`), with bounded retries; the bridge counts
 * in-flight calls so shutdown can drain them.
 */
import { assign, fromPromise, setup, spawnChild } from 'xstate';
import type { Reply } from '../ask.js';
import type { HelperBridgeContext, HelperBridgeEvent, HelperCall } from './events.js';

export const helperBridgeMachine = setup({
  types: {
    context: {} as HelperBridgeContext,
    events: {} as HelperBridgeEvent,
  },
  actors: {
    // Replaced by provideHelperBridge; the placeholder answers every call with a failure.
    callHelper: fromPromise<void, HelperCall>(async ({ input }) => {
      // Erase the op/reply pairing: calling the union of every op's reply type is too complex for tsc.
      (input.reply as Reply<unknown>)({ ok: false, error: new Error('helper-bridge is not wired to PrivilegedOps') });
    }),
  },
}).createMachine({
  id: 'helperBridge',
  context: { inFlight: 0, calls: 0, failures: 0, lastFailure: null },
  on: {
    'helper.call': {
      actions: [
        assign({ inFlight: ({ context }) => context.inFlight + 1, calls: ({ context }) => context.calls + 1 }),
        spawnChild('callHelper', { input: ({ event }) => event as HelperCall }),
      ],
    },
    'helper.succeeded': { actions: assign({ inFlight: ({ context }) => Math.max(0, context.inFlight - 1) }) },
    'helper.failed': {
      actions: assign({
        inFlight: ({ context }) => Math.max(0, context.inFlight - 1),
        failures: ({ context }) => context.failures + 1,
        lastFailure: ({ event }) => ({ op: event.op, message: event.message }),
      }),
    },
  },
});
