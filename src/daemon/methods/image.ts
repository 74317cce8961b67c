import { parseReference } from '../../images/pull/index.js';
import { defaultPullName } from '../../images/pull/service-pull.js';
import { Empty, ImageBuildParams, ImageImportParams, ImagePullParams, ImageRefParams } from '../../rpc/methods.js';
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
  'image.pull': {
    params: ImagePullParams,
    handler: (params, ctx, call) => ctx.services.images.pull(params, { onProgress: progressTo(call, pullName(params.reference, params.name)) }),
  },
} satisfies MethodTable;

/** The image name progress is reported under: the one the service will give it (a bad reference is the service's to refuse). */
function pullName(reference: string, name?: string): string {
  if (name) return name;
  try {
    return defaultPullName(parseReference(reference));
  } catch {
    return reference;
  }
}
