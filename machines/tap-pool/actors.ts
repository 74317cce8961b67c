import { fromPromise } from 'xstate';
import type { AnyActorRef } from 'xstate';
import type { HostProbePort } from '../ports.js';
import { ask } from '../ask.js';
import { callPrivileged } from '../helper-bridge/actors.js';
import type { CreateTapsOutput, InitPoolOutput, TapGrant, TapPoolInput } from './events.js';
import { tapPoolMachine } from './machine.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Builds the pool with its host steps; privileged work goes through helper-bridge. */
export function provideTapPool(host: HostProbePort) {
  return tapPoolMachine.provide({
    actors: {
      initPool: fromPromise<InitPoolOutput, TapPoolInput>(async ({ input, system }) => {
        await callPrivileged(system.get('helperBridge'), 'bridge.ensure', { name: input.bridge, address: input.bridgeAddress });
        return { existing: await host.listTaps(input.prefix) };
      }),
      createTaps: fromPromise<CreateTapsOutput, { bridge: string; names: string[] }>(async ({ input, system }) => {
        const bridge = system.get('helperBridge');
        const results = await Promise.allSettled(input.names.map((name) => callPrivileged(bridge, 'tap.create', { name, bridge: input.bridge })));
        const out: CreateTapsOutput = { created: [], failed: [] };
        results.forEach((r, i) => {
          const name = input.names[i]!;
          if (r.status === 'fulfilled') out.created.push(name);
          else out.failed.push({ name, message: message(r.reason) });
        });
        return out;
      }),
      deleteTaps: fromPromise<string[], { names: string[] }>(async ({ input, system }) => {
        const bridge = system.get('helperBridge');
        const results = await Promise.allSettled(input.names.map((name) => callPrivileged(bridge, 'tap.delete', { name })));
        return input.names.filter((_, i) => results[i]!.status === 'fulfilled');
      }),
    },
  });
}

/** Asks the pool for a tap for `vmId`. */
export function acquireTap(pool: AnyActorRef | undefined, vmId: string): Promise<TapGrant> {
  return ask<TapGrant>(pool, 'tap-pool acquire', (reply) => ({ type: 'tap.acquire', vmId, reply }));
}
