import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import type { SnapshotService } from '../../../src/snapshots/service.js';
import type { ForwardService } from '../../../src/forward/index.js';
import type { DaemonContext } from '../../../src/daemon/index.js';
import { createDispatcher, METHOD_TABLES, type CallInfo, type MethodTable } from '../../../src/daemon/index.js';
import { InternalError, NotFoundError } from '../../../src/errors/index.js';
import { resolveLayout } from '../../../src/host/layout.js';
import { Empty, VmRefParams } from '../../../src/rpc/methods.js';
import type { RpcConnection } from '../../../src/wire/index.js';
import type { Store } from '../../../src/store/index.js';
import type { ImagesService } from '../../../src/images/index.js';
import type { EventHub, VmSystem } from '../../../src/daemon/wiring/index.js';
import { makeVm } from '../../helpers/index.js';

function fakeCtx(over: Partial<DaemonContext> = {}): DaemonContext {
  const vm = makeVm();
  let shutdowns = 0;
  return {
    layout: resolveLayout({ HOME: '/home/t', XDG_RUNTIME_DIR: '/run/t' }),
    config: parseConfig(''),
    store: {} as Store, // handlers here go through services, never the store
    logger: pino({ level: 'silent' }),
    clock: () => 1000,
    services: {
      vms: {
        list: () => [vm],
        get: (ref) => {
          if (ref === vm.name) return vm;
          throw new NotFoundError(`no VM named "${ref}"`, { code: 'vm.not_found', hint: 'see: banger vm list' });
        },
        count: () => 1,
      },
      images: { list: () => [], get: () => { throw new NotFoundError('x'); } } as Partial<ImagesService> as ImagesService,
      // Handlers tested here never reach the actor system or the event stream.
      vmSystem: {} as VmSystem,
      snapshots: {} as SnapshotService,
      events: {} as EventHub,
      forwards: {} as ForwardService,
    },
    pid: 42,
    version: '9.9.9',
    startedAt: '2026-01-01T00:00:00.000Z',
    requestShutdown: () => void shutdowns++,
    ...over,
  };
}

const call: CallInfo = { conn: { id: 1 } as RpcConnection };

async function send(tables: readonly MethodTable[], request: unknown, ctx = fakeCtx()) {
  const server = createDispatcher(ctx, tables);
  return server.receiveJSON(JSON.stringify(request), call);
}

describe('createDispatcher', () => {
  it('answers daemon.hello with version, pid and protocol', async () => {
    const res = await send(METHOD_TABLES, { jsonrpc: '2.0', id: 1, method: 'daemon.hello', params: { clientVersion: 'x' } });
    expect(res).toEqual({ jsonrpc: '2.0', id: 1, result: { version: '9.9.9', pid: 42, protocol: '1' } });
  });

  it('validates params: wrong types are -32602 with the field named', async () => {
    const res = await send(METHOD_TABLES, { jsonrpc: '2.0', id: 2, method: 'vm.show', params: { name: 5 } });
    expect(res).toMatchObject({ id: 2, error: { code: -32602, message: 'invalid params for vm.show: name: expected a string, got the number 5' } });
  });

  it('rejects unknown fields (strict schemas)', async () => {
    const res = await send(METHOD_TABLES, { jsonrpc: '2.0', id: 3, method: 'vm.list', params: { all: true } });
    expect(res).toMatchObject({ error: { code: -32602, message: expect.stringContaining('has unknown key "all"') } });
  });

  it('treats missing params as {}', async () => {
    const res = await send(METHOD_TABLES, { jsonrpc: '2.0', id: 4, method: 'vm.list' });
    expect(res).toMatchObject({ id: 4, result: [{ name: 'dev' }] });
  });

  it('maps a BangerError to -32000 with kind, code and hint', async () => {
    const res = await send(METHOD_TABLES, { jsonrpc: '2.0', id: 5, method: 'vm.show', params: { name: 'x' } });
    expect(res).toEqual({
      jsonrpc: '2.0',
      id: 5,
      error: { code: -32000, message: 'no VM named "x"', data: { kind: 'not_found', code: 'vm.not_found', hint: 'see: banger vm list' } },
    });
  });

  it('maps a plain Error to an internal BangerError', async () => {
    const table = { 'vm.list': { params: Empty, handler: () => { throw new TypeError('boom'); } } } satisfies MethodTable;
    const res = await send([table], { jsonrpc: '2.0', id: 6, method: 'vm.list' });
    expect(res).toMatchObject({ error: { code: -32000, message: 'boom', data: { kind: 'internal' } } });
  });

  it('unknown method is -32601 and a parse failure is -32700 with id null', async () => {
    expect(await send(METHOD_TABLES, { jsonrpc: '2.0', id: 7, method: 'vm.fly' })).toMatchObject({ id: 7, error: { code: -32601 } });
    const server = createDispatcher(fakeCtx(), METHOD_TABLES);
    expect(await server.receiveJSON('{"jsonrpc":', call)).toMatchObject({ id: null, error: { code: -32700 } });
  });

  it('refuses to register one method twice', () => {
    const a = { 'vm.show': { params: VmRefParams, handler: () => { throw new InternalError('x'); } } } satisfies MethodTable;
    expect(() => createDispatcher(fakeCtx(), [a, a])).toThrow(/registered twice/);
  });

  it('daemon.shutdown asks the context to stop', async () => {
    let reason = '';
    const ctx = fakeCtx({ requestShutdown: (r) => void (reason = r) });
    const res = await send(METHOD_TABLES, { jsonrpc: '2.0', id: 8, method: 'daemon.shutdown', params: {} }, ctx);
    expect(res).toMatchObject({ result: { stopping: true } });
    expect(reason).toMatch(/shutdown/);
  });
});
