import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { deleteWhenClientGoes } from '../../../../src/daemon/methods/owned-vm.js';
import type { DaemonContext } from '../../../../src/daemon/context.js';
import { BusyError, NotFoundError } from '../../../../src/errors/index.js';
import { RpcConnection } from '../../../../src/wire/index.js';

/** A socket stand-in: enough for RpcConnection to be opened and closed. */
function fakeSocket(): Socket {
  const s = new EventEmitter() as unknown as Socket & { destroyed: boolean };
  Object.assign(s, { destroyed: false, end: () => undefined, destroySoon: () => undefined, write: () => true });
  return s;
}

/** Services with one VM (by id) whose deletes and stops are scripted. */
function fakeCtx(opts: { exists?: boolean; deletes?: (() => void)[] } = {}) {
  let exists = opts.exists ?? true;
  const calls: string[] = [];
  const deletes = opts.deletes ?? [];
  const service = {
    delete: (ref: string, o: { force?: boolean }) => {
      calls.push(`delete ${ref}${o.force ? ' force' : ''}`);
      const next = deletes.shift();
      if (next) {
        try {
          next();
        } catch (err) {
          return Promise.reject(err);
        }
      }
      exists = false;
      return Promise.resolve({ deleted: 'dev' });
    },
    stop: (ref: string, o: { force?: boolean }) => {
      calls.push(`stop ${ref}${o.force ? ' force' : ''}`);
      return Promise.resolve({});
    },
  };
  const ctx = {
    logger: pino({ level: 'silent' }),
    services: {
      vms: {
        get: (ref: string) => {
          if (!exists || ref !== 'id-1') throw new NotFoundError(`no VM ${ref}`);
          return { id: 'id-1', name: 'dev' };
        },
      },
      vmSystem: { service: () => Promise.resolve(service) },
    },
  } as unknown as Pick<DaemonContext, 'services' | 'logger'>;
  return { ctx, calls };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('deleteWhenClientGoes (vm.create deleteOnDisconnect)', () => {
  const conn = () => new RpcConnection(fakeSocket(), () => Promise.resolve(null));

  it('deletes the VM, by id and with force, when the client connection drops', async () => {
    const c = conn();
    const { ctx, calls } = fakeCtx();
    deleteWhenClientGoes(c, 'id-1', ctx);
    expect(calls).toEqual([]);
    c.close('peer closed');
    await settle();
    expect(calls).toEqual(['delete id-1 force']);
  });

  it('does nothing when the VM is already gone (the CLI deleted it)', async () => {
    const c = conn();
    const { ctx, calls } = fakeCtx({ exists: false });
    deleteWhenClientGoes(c, 'id-1', ctx);
    c.close('peer closed');
    await settle();
    expect(calls).toEqual([]);
  });

  it("leaves the VM on bangerd's own shutdown (VMs outlive the daemon)", async () => {
    const c = conn();
    const { ctx, calls } = fakeCtx();
    deleteWhenClientGoes(c, 'id-1', ctx);
    c.close('server shutting down');
    await settle();
    expect(calls).toEqual([]);
  });

  it('a connection already closed when the create finishes deletes at once', async () => {
    const c = conn();
    c.close('peer closed');
    const { ctx, calls } = fakeCtx();
    deleteWhenClientGoes(c, 'id-1', ctx);
    await settle();
    expect(calls).toEqual(['delete id-1 force']);
  });

  it('a start in flight (busy): a forced stop, then the delete', async () => {
    const c = conn();
    const { ctx, calls } = fakeCtx({
      deletes: [
        () => {
          throw new BusyError('VM dev is busy: start in progress');
        },
      ],
    });
    deleteWhenClientGoes(c, 'id-1', ctx);
    c.close('peer closed');
    await settle();
    expect(calls).toEqual(['delete id-1 force', 'stop id-1 force', 'delete id-1 force']);
  });
});
