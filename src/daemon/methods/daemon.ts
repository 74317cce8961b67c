import { instanceId } from '../../host/network/instance.js';
import { HelloParams, Empty, PROTOCOL_VERSION } from '../../rpc/methods.js';
import type { MethodTable } from './types.js';

export const daemonMethods = {
  'daemon.hello': {
    params: HelloParams,
    handler: (_params, ctx) => ({ version: ctx.version, pid: ctx.pid, protocol: PROTOCOL_VERSION }),
  },
  'daemon.status': {
    params: Empty,
    handler: (_params, ctx) => ({
      pid: ctx.pid,
      version: ctx.version,
      startedAt: ctx.startedAt,
      socket: ctx.layout.daemonSocket,
      stateDir: ctx.layout.stateDir,
      vmCount: ctx.services.vms.count(),
      instance: instanceId(process.getuid?.() ?? -1, ctx.layout.stateDir),
    }),
  },
  'daemon.shutdown': {
    params: Empty,
    handler: (_params, ctx) => {
      ctx.requestShutdown('daemon.shutdown request');
      return { stopping: true as const };
    },
  },
} satisfies MethodTable;
