import { describe, expect, it } from 'vitest';
import type { SnapshotRecord } from '../../../src/model/index.js';
import { restoreFields } from '../../../src/vmm/restore.js';
import { makeVm } from '../../helpers/fixtures.js';

const snap = (over: Partial<SnapshotRecord> = {}): SnapshotRecord =>
  ({
    id: 's1',
    name: 'dev-s1',
    kind: 'memory',
    spec: makeVm().spec,
    files: { systemDisk: '/s/system.disk', workDisk: '/s/work.disk', state: '/s/state.bin' },
    ...over,
  }) as SnapshotRecord;

describe('restoreFields', () => {
  it('a cold start gets a generation id and nothing to restore', () => {
    const f = restoreFields(makeVm(), undefined);
    expect(f.vmGenId).toMatch(/^[0-9a-f-]{36}$/);
    expect(f.restore).toBeUndefined();
  });

  it('a VM to resume a memory snapshot gets its state, isolated until it has its own address', () => {
    const vm = makeVm();
    vm.runtime.restoreFrom = 's1';
    expect(restoreFields(vm, { get: () => snap() }).restore).toEqual({ statePath: '/s/state.bin', isolated: true });
  });

  it('a disk-only snapshot boots the kernel on its layers', () => {
    const vm = makeVm();
    vm.runtime.restoreFrom = 's1';
    expect(restoreFields(vm, { get: () => snap({ kind: 'disk', files: { systemDisk: '/a', workDisk: '/b' } }) }).restore).toBeUndefined();
  });

  it('refuses a snapshot that is gone, and a sizing the saved state does not fit, naming the fix', () => {
    const vm = makeVm();
    vm.runtime.restoreFrom = 's1';
    expect(() => restoreFields(vm, { get: () => undefined })).toThrow(/no longer exists/);
    const bigger = makeVm({ spec: { ...makeVm().spec, memoryMiB: 4096 } });
    bigger.runtime.restoreFrom = 's1';
    const err = (() => {
      try {
        restoreFields(bigger, { get: () => snap() });
      } catch (e) {
        return e as { message: string; hint?: string };
      }
      return undefined;
    })();
    expect(err?.message).toMatch(/4096 MiB but snapshot dev-s1 was taken with 2 \/ 2048/);
    expect(err?.hint).toBe('a saved state needs the sizing it was taken with: banger vm set dev --vcpu 2 --memory 2048');
  });
});
