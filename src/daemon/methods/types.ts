import type { z } from 'zod';
import type { RpcConnection } from '../../wire/index.js';
import type { METHOD_PARAMS, MethodName, MethodResults } from '../../rpc/methods.js';
import type { DaemonContext } from '../context.js';

/** Per-call facts: which connection asked (for subscriptions that push notifications back). */
export interface CallInfo {
  conn: RpcConnection;
}

/** One method: its params schema (from src/rpc/methods.ts) and a handler typed against MethodResults. */
export interface MethodEntry<M extends MethodName> {
  params: (typeof METHOD_PARAMS)[M];
  handler(
    params: z.output<(typeof METHOD_PARAMS)[M]>,
    ctx: DaemonContext,
    call: CallInfo,
  ): MethodResults[M] | Promise<MethodResults[M]>;
}

/** A group's table, e.g. `{ 'vm.list': {...} }`. Use `satisfies MethodTable` so handlers are type-checked. */
export type MethodTable = { [M in MethodName]?: MethodEntry<M> };
