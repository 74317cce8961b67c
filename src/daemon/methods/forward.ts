import { VmForwardAddParams, VmForwardDeleteParams, VmForwardListParams } from '../../rpc/methods.js';
import type { MethodTable } from './types.js';

/** Port forwards (src/forward): add, list, delete. `-p` on vm.create goes through vm.ts. */
export const forwardMethods = {
  'vm.forward.add': { params: VmForwardAddParams, handler: (params, ctx) => ctx.services.forwards.add(params.name, params.forward) },
  'vm.forward.list': { params: VmForwardListParams, handler: (params, ctx) => ctx.services.forwards.list(params.name) },
  'vm.forward.delete': {
    params: VmForwardDeleteParams,
    handler: async (params, ctx) => ({ deleted: await ctx.services.forwards.remove(params.name, params.hostPort, params.proto ?? 'tcp', params.hostIp) }),
  },
} satisfies MethodTable;
