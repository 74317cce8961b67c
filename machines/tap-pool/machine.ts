/**
 * tap-pool: keeps `size` taps ready so a start does not wait for tap creation,
 * hands one per start, takes it back on stop. Books are JSON context; the
 * host work (bridge, create, list, delete) runs in invoked actors. Tap
 * deletions go fire-and-forget through helper-bridge, which shutdown drains.
 */
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { BusyError } from '../../src/errors/index.js';
import { safeReply } from '../ask.js';
import type { CreateTapsOutput, InitPoolOutput, TapPoolContext, TapPoolEvent, TapPoolInput } from './events.js';

export function tapName(prefix: string, index: number): string {
  return `${prefix}${index}`;
}

/** Index of a pool tap name, or -1. */
export function tapIndex(prefix: string, name: string): number {
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : -1;
}

function deleteTap(system: { get(id: string): AnyActorRef | undefined }, name: string): void {
  try {
    system.get('helperBridge')?.send({ type: 'helper.call', op: 'tap.delete', params: { name }, reply: () => {} });
  } catch {
    // best effort: a tap left behind is found by listTaps at the next start
  }
}

const unwired = (name: string) =>
  fromPromise<never, unknown>(async () => {
    throw new Error(`tap-pool actor "${name}" is not provided`);
  });

export const tapPoolMachine = setup({
  types: {
    context: {} as TapPoolContext,
    events: {} as TapPoolEvent,
    input: {} as TapPoolInput,
  },
  actors: {
    initPool: unwired('initPool') as unknown as ReturnType<typeof fromPromise<InitPoolOutput, TapPoolInput>>,
    createTaps: unwired('createTaps') as unknown as ReturnType<typeof fromPromise<CreateTapsOutput, { bridge: string; names: string[] }>>,
    deleteTaps: unwired('deleteTaps') as unknown as ReturnType<typeof fromPromise<string[], { names: string[] }>>,
  },
  guards: {
    needsFill: ({ context }) => context.ready.length < context.size,
    shutdownPending: ({ context }) => context.shutdownPending === true,
  },
  actions: {
    release: enqueueActions(({ context, event, system, enqueue }) => {
      if (event.type !== 'tap.release') return;
      const owner = context.used[event.name];
      // A release from a VM that does not own the tap (double stop) changes nothing.
      if (owner !== undefined && owner !== event.vmId) return;
      const used = { ...context.used };
      delete used[event.name];
      // A fresh name the caller was to create may not exist (its tap.create failed): never recycle it.
      const unverified = (context.unverified ?? []).filter((n) => n !== event.name);
      const wasUnverified = unverified.length !== (context.unverified ?? []).length;
      if (context.ready.includes(event.name)) {
        enqueue.assign({ used, unverified });
      } else if (owner !== undefined && !wasUnverified && context.ready.length + context.pending.length < context.size && tapIndex(context.prefix, event.name) >= 0) {
        // pending counts too: a fill in flight is already making up the shortfall, and the two together
        // overfilled the pool (one surplus tap on the host per race; found by the reliability suite).
        // Only a tap we know is alive (it was handed out) goes back to ready; an unknown one (a repeated
        // release of a tap already deleted) could be a ghost, and a ghost handed out as ready breaks a start.
        enqueue.assign({ used, unverified, ready: [...context.ready, event.name] });
      } else {
        enqueue.assign({ used, unverified });
        enqueue(() => deleteTap(system, event.name));
      }
    }),
    grant: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'tap.acquire') return;
      const [first, ...rest] = context.ready;
      if (first !== undefined) {
        enqueue.assign({ ready: rest, used: { ...context.used, [first]: event.vmId } });
        enqueue(() => safeReply(event.reply, { ok: true, value: { name: first, ready: true } }));
        return;
      }
      // Empty pool: hand out a fresh name; the caller creates it (idempotent), so a start never waits on the refill.
      const name = tapName(context.prefix, context.nextIndex);
      enqueue.assign({
        nextIndex: context.nextIndex + 1,
        used: { ...context.used, [name]: event.vmId },
        unverified: [...(context.unverified ?? []), name],
      });
      enqueue(() => safeReply(event.reply, { ok: true, value: { name, ready: false } }));
    }),
    refuse: ({ event }) => {
      if (event.type === 'tap.acquire') {
        safeReply(event.reply, {
          ok: false,
          error: new BusyError('the tap pool is not ready yet', { hint: 'retry in a moment; the daemon is still reconciling', code: 'tap.pool_not_ready' }),
        });
      }
    },
  },
}).createMachine({
  id: 'tapPool',
  context: ({ input }) => ({ ...input, ready: [], used: {}, nextIndex: 0, pending: [], lastError: null }),
  initial: 'waiting',
  on: {
    'tap.acquire': { actions: 'refuse' },
    'tap.release': { actions: 'release' },
    'pool.shutdown': { target: '.draining' },
  },
  states: {
    waiting: {
      on: { 'pool.init': { target: 'initializing', actions: assign({ used: ({ event }) => ({ ...event.held }) }) } },
    },
    initializing: {
      invoke: {
        id: 'initPool',
        src: 'initPool',
        input: ({ context }) => ({ bridge: context.bridge, bridgeAddress: context.bridgeAddress, prefix: context.prefix, size: context.size }),
        onDone: {
          target: 'active',
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            // Taps nobody holds are left over from a crash: keep some as ready, delete the rest.
            const ready = [...context.ready];
            const surplus: string[] = [];
            let maxIndex = context.nextIndex - 1;
            for (const name of [...event.output.existing, ...Object.keys(context.used)]) {
              maxIndex = Math.max(maxIndex, tapIndex(context.prefix, name));
            }
            for (const name of event.output.existing) {
              if (context.used[name] !== undefined || ready.includes(name)) continue;
              if (ready.length < context.size) ready.push(name);
              else surplus.push(name);
            }
            enqueue.assign({ ready, nextIndex: maxIndex + 1 });
            for (const name of surplus) enqueue(() => deleteTap(system, name));
            // The bridge exists now: the DNS server can listen on its address for the guests.
            enqueue(() => system.get('dns')?.send({ type: 'dns.bridgeUp' }));
          }),
        },
        onError: {
          target: 'active',
          actions: assign({ lastError: ({ event }) => (event.error instanceof Error ? event.error.message : String(event.error)) }),
        },
      },
    },
    active: {
      initial: 'check',
      on: { 'tap.acquire': { target: '.check', actions: 'grant' } },
      states: {
        check: {
          always: [{ guard: 'shutdownPending', target: '#tapPool.draining' }, { guard: 'needsFill', target: 'filling' }, { target: 'idle' }],
        },
        idle: {},
        filling: {
          // Reserve the batch's names first, so a grant during the fill never hands one of them out.
          entry: assign(({ context }) => {
            const count = context.size - context.ready.length;
            const pending = Array.from({ length: count }, (_, i) => tapName(context.prefix, context.nextIndex + i));
            return { pending, nextIndex: context.nextIndex + count };
          }),
          invoke: {
            id: 'createTaps',
            src: 'createTaps',
            input: ({ context }) => ({ bridge: context.bridge, names: context.pending }),
            onDone: [
              {
                guard: ({ event }) => event.output.created.length === 0,
                target: 'backoff',
                actions: assign({ pending: [], lastError: ({ event }) => event.output.failed.map((f) => f.message).join('; ') || 'no tap created' }),
              },
              {
                target: 'check',
                actions: enqueueActions(({ context, event, system, enqueue }) => {
                  // Taps returned during the fill may already have refilled the set: keep `size`, delete the surplus.
                  const all = [...context.ready, ...event.output.created];
                  enqueue.assign({
                    ready: all.slice(0, context.size),
                    pending: [],
                    lastError: event.output.failed.length ? event.output.failed.map((f) => f.message).join('; ') : null,
                  });
                  for (const name of all.slice(context.size)) enqueue(() => deleteTap(system, name));
                }),
              },
            ],
            onError: { target: 'backoff', actions: assign({ pending: [], lastError: ({ event }) => String(event.error) }) },
          },
          on: {
            'tap.acquire': { actions: 'grant' },
            // The batch's tap.create calls are in flight: draining now would race them and leave taps behind.
            'pool.shutdown': { actions: assign({ shutdownPending: true }) },
          },
        },
        // A failing fill (helper down) retries slowly instead of spinning; starts still work with fresh names.
        backoff: { always: { guard: 'shutdownPending', target: '#tapPool.draining' }, after: { 1000: 'check' } },
      },
    },
    draining: {
      invoke: {
        id: 'deleteTaps',
        src: 'deleteTaps',
        input: ({ context }) => ({ names: context.ready }),
        onDone: { target: 'drained', actions: assign({ ready: [] }) },
        onError: { target: 'drained', actions: assign({ lastError: ({ event }) => String(event.error) }) },
      },
    },
    drained: {
      type: 'final',
    },
  },
});
