import { ImageWarmParams, SnapshotRefParams, VmForkParams, VmRestoreParams, VmSnapshotCreateParams, VmSnapshotListParams } from '../../rpc/methods.js';
import type { MethodTable } from './types.js';

/** Snapshots, restore, fork and warm snapshots (src/snapshots/service.ts). */
export const snapshotMethods = {
  'vm.snapshot.create': {
    params: VmSnapshotCreateParams,
    handler: (params, ctx) => ctx.services.snapshots.create(params.name, params.snapshot !== undefined ? { name: params.snapshot } : {}),
  },
  'vm.snapshot.list': { params: VmSnapshotListParams, handler: (params, ctx) => ctx.services.snapshots.list(params.name) },
  'vm.snapshot.delete': { params: SnapshotRefParams, handler: (params, ctx) => ctx.services.snapshots.delete(params.snapshot) },
  'vm.restore': { params: VmRestoreParams, handler: (params, ctx) => ctx.services.snapshots.restore(params.name, params.snapshot) },
  'vm.fork': {
    params: VmForkParams,
    handler: (params, ctx) =>
      ctx.services.snapshots.fork(params.source, params.name, {
        ...(params.nat !== undefined ? { nat: params.nat } : {}),
        ...(params.noStart ? { noStart: true } : {}),
      }),
  },
  'image.warm': {
    params: ImageWarmParams,
    handler: ({ name, ...sizing }, ctx) => ctx.services.snapshots.warm(name, sizing),
  },
} satisfies MethodTable;
