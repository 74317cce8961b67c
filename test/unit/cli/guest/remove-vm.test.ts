import { describe, expect, it } from 'vitest';
import { removeVm, type RemoveClient } from '../../../../src/cli/guest/remove-vm.js';
import { BusyError, DaemonUnavailableError, InternalError, NotFoundError } from '../../../../src/errors/index.js';

/** A daemon that answers each call from a script, and records what was asked. */
function fakeClient(answers: Record<'vm.delete' | 'vm.stop', (() => unknown)[]>) {
  const calls: string[] = [];
  const client: RemoveClient = {
    call: (method: 'vm.delete' | 'vm.stop', params: { name: string; force?: boolean }) => {
      calls.push(`${method} ${params.name}${params.force ? ' force' : ''}`);
      const next = answers[method].shift();
      if (!next) return Promise.reject(new Error(`unexpected ${method}`));
      try {
        return Promise.resolve(next());
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
  return { client, calls };
}
const busy = () => {
  throw new BusyError('VM dev is busy: start in progress');
};
const fast = { sleep: () => Promise.resolve(), pollMs: 0 };

describe('removeVm (vm run --rm cleanup)', () => {
  it('deletes with force', async () => {
    const { client, calls } = fakeClient({ 'vm.delete': [() => ({ deleted: 'dev' })], 'vm.stop': [] });
    await removeVm(client, 'dev', fast);
    expect(calls).toEqual(['vm.delete dev force']);
  });

  it('a start in flight (busy): one forced stop cuts it short, then the delete goes through', async () => {
    const { client, calls } = fakeClient({ 'vm.delete': [busy, () => ({ deleted: 'dev' })], 'vm.stop': [() => ({})] });
    await removeVm(client, 'dev', fast);
    expect(calls).toEqual(['vm.delete dev force', 'vm.stop dev force', 'vm.delete dev force']);
  });

  it('keeps retrying while busy, and stops at the limit with the busy error', async () => {
    let now = 0;
    const { client } = fakeClient({ 'vm.delete': Array.from({ length: 50 }, () => busy), 'vm.stop': [() => ({})] });
    const p = removeVm(client, 'dev', { ...fast, busyLimitMs: 1000, now: () => (now += 100) });
    await expect(p).rejects.toBeInstanceOf(BusyError);
  });

  it('a VM already gone (bangerd deleted it) is done', async () => {
    const { client } = fakeClient({
      'vm.delete': [
        () => {
          throw new NotFoundError('no VM dev');
        },
      ],
      'vm.stop': [],
    });
    await expect(removeVm(client, 'dev', fast)).resolves.toBeUndefined();
  });

  it('a lost daemon connection is retried once on a new one', async () => {
    const first = fakeClient({
      'vm.delete': [
        () => {
          throw new DaemonUnavailableError('connection to bangerd lost (closed)');
        },
      ],
      'vm.stop': [],
    });
    const second = fakeClient({ 'vm.delete': [() => ({ deleted: 'dev' })], 'vm.stop': [] });
    await removeVm(first.client, 'dev', { ...fast, reconnect: () => Promise.resolve(second.client) });
    expect(second.calls).toEqual(['vm.delete dev force']);
  });

  it('any other failure is thrown as it is', async () => {
    const { client } = fakeClient({
      'vm.delete': [
        () => {
          throw new InternalError('disk on fire');
        },
      ],
      'vm.stop': [],
    });
    await expect(removeVm(client, 'dev', fast)).rejects.toThrow('disk on fire');
  });
});
