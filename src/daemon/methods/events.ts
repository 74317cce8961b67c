import { SubscribeParams } from '../../rpc/methods.js';
import type { MethodTable } from './types.js';

/**
 * events.subscribe: after the reply, notifications for the topics arrive on
 * this connection (JSON-RPC notifications named after the topic) until it
 * closes. VM transitions are published after the row is written.
 */
export const eventMethods = {
  'events.subscribe': {
    params: SubscribeParams,
    handler: (params, ctx, call) => ({ topics: ctx.services.events.subscribe(call.conn, params.topics) }),
  },
} satisfies MethodTable;
