import { Empty, ImageRefParams } from '../../rpc/methods.js';
import type { MethodTable } from './types.js';

export const imageMethods = {
  'image.list': { params: Empty, handler: (_params, ctx) => ctx.services.images.list() },
  'image.show': { params: ImageRefParams, handler: (params, ctx) => ctx.services.images.get(params.name) },
} satisfies MethodTable;
