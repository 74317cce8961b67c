import { InternalError } from '../../errors/index.js';
import type { ImagesService } from '../../images/index.js';
import { Empty, ImageBuildParams, ImageImportParams, ImageRefParams } from '../../rpc/methods.js';
import type { DaemonContext } from '../context.js';
import type { CallInfo, MethodTable } from './types.js';

function admin(ctx: DaemonContext): ImagesService {
  const svc = ctx.services.imageAdmin;
  if (!svc) {
    throw new InternalError('this bangerd has no images service', { code: 'image.unavailable', hint: 'restart bangerd (banger daemon stop); it is wired at startup' });
  }
  return svc;
}

/** Forwards build/import progress to the connection that asked, as `image.progress` notifications. */
function progressTo(call: CallInfo, image: string) {
  return (step: string, detail?: string) => {
    call.conn.notify('image.progress', { image, step, ...(detail !== undefined ? { detail } : {}) });
  };
}

export const imageMethods = {
  'image.list': { params: Empty, handler: (_params, ctx) => ctx.services.images.list() },
  'image.show': { params: ImageRefParams, handler: (params, ctx) => ctx.services.images.get(params.name) },
  'image.delete': { params: ImageRefParams, handler: (params, ctx) => admin(ctx).delete(params.name) },
  'image.build': {
    params: ImageBuildParams,
    handler: (params, ctx, call) => {
      const name = params.name ?? params.profile ?? 'minimal';
      return admin(ctx).build(params, { onProgress: progressTo(call, name) });
    },
  },
  'image.import': {
    params: ImageImportParams,
    handler: (params, ctx, call) => admin(ctx).import(params, { onProgress: progressTo(call, params.name) }),
  },
} satisfies MethodTable;
