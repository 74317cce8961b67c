import { Empty, VmRefParams } from '../../rpc/methods.js';
import type { MethodTable } from './types.js';

export const vmMethods = {
  'vm.list': { params: Empty, handler: (_params, ctx) => ctx.services.vms.list() },
  'vm.show': { params: VmRefParams, handler: (params, ctx) => ctx.services.vms.get(params.name) },
} satisfies MethodTable;
