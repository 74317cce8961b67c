import { open } from 'node:fs/promises';
import { connectAnswering, ensureSshKey } from '../../guest/index.js';
import { labelHttpRows, mergeListeners, withForwards, type GuestListener } from '../../guest/ports/index.js';
import { ConflictError } from '../../errors/index.js';
import { tailLines } from '../../host/tail-lines.js';
import type { VMRecord } from '../../model/index.js';
import {
  Empty,
  VmCreateParams,
  VmLogsParams,
  VmRefParams,
  VmSetParams,
  VmStopParams,
  WorkspaceRecordParams,
} from '../../rpc/methods.js';
import { VMM_BACKENDS } from '../../vmm/registry.js';
import type { DaemonContext } from '../context.js';
import { deleteWhenClientGoes } from './owned-vm.js';
import type { MethodTable } from './types.js';

const DEFAULT_LOG_TAIL = 64 * 1024;

/**
 * vm.* handlers. Lifecycle calls go through the VmService (one operation per
 * VM at a time: a different concurrent operation gets BusyError "VM X is busy:
 * start in progress", a repeat joins the one in flight, and stop may cancel a
 * start). Each answer is sent after the actor has persisted its state.
 */
export const vmMethods = {
  'vm.list': { params: Empty, handler: (_params, ctx) => ctx.services.vms.list() },
  'vm.show': { params: VmRefParams, handler: (params, ctx) => ctx.services.vms.get(params.name) },
  'vm.create': {
    params: VmCreateParams,
    handler: async ({ publish, deleteOnDisconnect, ...params }, ctx, call) => {
      // Checked before anything is made: a bad -p leaves no VM behind.
      if (publish?.length) await ctx.services.forwards.check(publish);
      const vm = await ctx.services.snapshots.createVm(params);
      // Hooked as soon as the VM exists: a client gone during the create still gets its VM deleted.
      if (deleteOnDisconnect === true) deleteWhenClientGoes(call.conn, vm.id, ctx);
      if (publish?.length) await ctx.services.forwards.attach(vm.id, publish);
      return vm;
    },
  },
  'vm.start': {
    params: VmRefParams,
    handler: async (params, ctx) => ctx.services.snapshots.afterStart(await (await serviceFor(ctx, params.name)).start(params.name)),
  },
  'vm.stop': { params: VmStopParams, handler: async ({ name, force }, ctx) => (await serviceFor(ctx, name)).stop(name, { force: force === true }) },
  'vm.restart': { params: VmRefParams, handler: async (params, ctx) => (await serviceFor(ctx, params.name)).restart(params.name) },
  'vm.pause': { params: VmRefParams, handler: async (params, ctx) => (await serviceFor(ctx, params.name)).pause(params.name) },
  'vm.resume': { params: VmRefParams, handler: async (params, ctx) => (await serviceFor(ctx, params.name)).resume(params.name) },
  'vm.delete': { params: VmStopParams, handler: async ({ name, force }, ctx) => (await serviceFor(ctx, name)).delete(name, { force: force === true }) },
  'vm.set': {
    params: VmSetParams,
    handler: async ({ name, ...rest }, ctx) => (await serviceFor(ctx, name)).set(name, rest),
  },
  'vm.touch': { params: VmRefParams, handler: async (params, ctx) => (await serviceFor(ctx, params.name)).touch(params.name) },
  'vm.logs': {
    params: VmLogsParams,
    handler: async (params, ctx) => {
      const vm = ctx.services.vms.get(params.name);
      if (params.tailLines !== undefined) {
        const t = await tailLines(vm.runtime.logPath, params.tailLines);
        return { path: vm.runtime.logPath, text: t.text, end: t.end, ...(t.truncated ? { truncated: true } : {}) };
      }
      return { path: vm.runtime.logPath, text: await tail(vm.runtime.logPath, params.tailBytes ?? DEFAULT_LOG_TAIL) };
    },
  },
  'vm.stats': {
    params: VmRefParams,
    handler: (params, ctx) => {
      const vm = ctx.services.vms.get(params.name);
      const uptimeMs = vm.state === 'running' ? uptimeOf(ctx, vm) : undefined;
      return { name: vm.name, state: vm.state, stats: vm.stats, ...(uptimeMs !== undefined ? { uptimeMs } : {}) };
    },
  },
  'vm.ssh': {
    params: VmRefParams,
    handler: async (params, ctx) => {
      const vm = requireRunning(ctx.services.vms.get(params.name), 'ssh into');
      const key = await ensureSshKey(ctx.layout);
      (await ctx.services.vmSystem.service()).touch(vm.id);
      return {
        name: vm.name,
        host: vm.runtime.guestIP,
        port: 22,
        user: 'root',
        privateKeyPath: key.privateKeyPath,
        knownHostsPath: ctx.layout.knownHostsPath,
        hostKeyAlias: `${vm.name}.vm`,
      };
    },
  },
  'vm.workspace': {
    params: WorkspaceRecordParams,
    handler: (params, ctx) => {
      const vm = ctx.services.vms.get(params.name);
      const at = new Date(ctx.clock()).toISOString();
      ctx.store.vms.setWorkspace(vm.id, { ...params.workspace, vmId: vm.id, preparedAt: at }, at);
      return ctx.services.vms.get(vm.id);
    },
  },
  'vm.ports': {
    params: VmRefParams,
    handler: async (params, ctx) => {
      const vm = requireRunning(ctx.services.vms.get(params.name), 'list the ports of');
      // Asked on a connection the agent has answered: a request on a fresh one right after another closed can be lost.
      const { client: agent } = await connectAnswering(VMM_BACKENDS[vm.vmm].agentTransport(vm), { timeoutMs: 5000 });
      let listeners;
      try {
        listeners = await agent.ports();
      } finally {
        agent.close();
      }
      (await ctx.services.vmSystem.service()).touch(vm.id);
      const rows = mergeListeners(vm.name, listeners.map(toGuestListener));
      return { name: vm.name, rows: withForwards(await labelHttpRows(rows, vm.runtime.guestIP), ctx.services.forwards.list(vm.id)) };
    },
  },
} satisfies MethodTable;

/**
 * The VM service for a call about one existing VM. The name is resolved first: a typo gets
 * "no VM named" without starting the actor system (which creates the bridge and tap pool).
 */
async function serviceFor(ctx: DaemonContext, ref: string) {
  ctx.services.vms.get(ref);
  return ctx.services.vmSystem.service();
}

function requireRunning(vm: VMRecord, what: string): VMRecord {
  if (vm.state !== 'running') {
    const hint = vm.state === 'paused' ? `resume it first: banger vm resume ${vm.name}` : `start it first: banger vm start ${vm.name}`;
    throw new ConflictError(`cannot ${what} VM ${vm.name}: it is ${vm.state}`, { code: 'vm.not_running', hint });
  }
  return vm;
}

function toGuestListener(p: { proto: 'tcp' | 'udp'; address: string; port: number; pid: number | null; process: string | null; cmdline: string | null }): GuestListener {
  return {
    proto: p.proto,
    address: p.address,
    port: p.port,
    ...(p.pid !== null ? { pid: p.pid } : {}),
    ...(p.process !== null ? { process: p.process } : {}),
    ...(p.cmdline !== null ? { command: p.cmdline } : {}),
  };
}

/**
 * Uptime counts from the record's `runningSince`, the time the TUI counts from too (one source, so
 * the two agree). A VM adopted at bangerd start keeps its time; one a bangerd older than that field
 * started counts from its adoption.
 */
function uptimeOf(ctx: DaemonContext, vm: VMRecord): number | undefined {
  const since = vm.runtime.runningSince;
  return since === undefined ? undefined : Math.max(0, ctx.clock() - Date.parse(since));
}

/** The last `bytes` of a file ('' when it does not exist yet), cut at a line start. */
async function tail(path: string, bytes: number): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    if (start === 0) return text;
    const nl = text.indexOf('\n');
    return nl === -1 ? text : text.slice(nl + 1);
  } finally {
    await fh.close();
  }
}
