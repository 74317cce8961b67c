import { Empty, ImageBuildParams, ImageImportParams, ImageRefParams } from '../../rpc/methods.js';
import type { CallInfo, MethodTable } from './types.js';

/** Forwards build/import progress to the connection that asked, as `image.progress` notifications. */
function progressTo(call: CallInfo, image: string) {
  return (step: string, detail?: string) => {
    call.conn.notify('image.progress', { image, step, ...(detail !== undefined ? { detail } : {}) });
  };
}

export const imageMethods = {
  'image.list': { params: Empty, handler: (_params, ctx) => ctx.services.images.list() },
  'image.show': { params: ImageRefParams, handler: (params, ctx) => ctx.services.images.get(params.name) },
  'image.delete': { params: ImageRefParams, handler: (params, ctx) => ctx.services.images.delete(params.name) },
  'image.build': {
    params: ImageBuildParams,
    handler: (params, ctx, call) => {
      const name = params.name ?? params.profile ?? 'minimal';
      return ctx.services.images.build(params, { onProgress: progressTo(call, name) });
    },
  },
  'image.import': {
    params: ImageImportParams,
    handler: (params, ctx, call) => ctx.services.images.import(params, { onProgress: progressTo(call, params.name) }),
  },
} satisfies MethodTable;
