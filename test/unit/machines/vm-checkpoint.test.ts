import { describe, expect, it } from 'vitest';
import { vmActions } from '../../../machines/vm/index.js';
import type { Release, VmContext } from '../../../machines/vm/index.js';
import type { VMHandles } from '../../../src/model/index.js';
import { MemoryVmStore } from '../../fakes/memory-store.js';
import { silentLogger } from '../../fakes/fake-ports.js';
import { makeRecord } from '../../helpers/records.js';

/** Handles port that counts writes and can be told to fail. */
function countingHandles() {
  const h = {
    writes: [] as VMHandles[],
    removes: 0,
    failNext: false,
    write(_id: string, handles: VMHandles) {
      if (h.failNext) {
        h.failNext = false;
        return false;
      }
      h.writes.push(handles);
      return true;
    },
    read: () => ({ handles: null, reason: 'is missing' }),
    remove() {
      h.removes++;
      return true;
    },
  };
  return h;
}

describe('vm checkpoint', () => {
  const vm = makeRecord('ck', 0);
  const ctx = (releases: Release[]) => ({ context: { vmId: vm.id, releases } as unknown as VmContext });
  const tap: Release = { kind: 'tap', name: 'bgt0' };
  const vmm: Release = { kind: 'vmm', apiSockPath: '/run/x.sock', pid: 42 };

  it('writes handles.json and the row mirror only when the undo stack changed', () => {
    const store = new MemoryVmStore();
    store.insert(vm);
    const handles = countingHandles();
    const a = vmActions({ store, handles, logger: silentLogger });
    a.checkpoint(ctx([tap]));
    a.checkpoint(ctx([tap])); // a step's onDone repeating its own announcement
    a.checkpoint(ctx([tap, vmm]));
    a.checkpoint(ctx([tap, vmm])); // running's entry
    expect(handles.writes).toEqual([{ tapDevice: 'bgt0' }, { tapDevice: 'bgt0', pid: 42, apiSockPath: '/run/x.sock' }]);
    expect(store.get(vm.id)?.runtime).toMatchObject({ tapDevice: 'bgt0', vmmPid: 42 });
    a.checkpoint(ctx([]));
    a.checkpoint(ctx([]));
    expect(handles.removes).toBe(1);
    expect(store.get(vm.id)?.runtime.tapDevice).toBeUndefined();
  });

  it('a failed write is retried by the next checkpoint even when nothing changed', () => {
    const store = new MemoryVmStore();
    store.insert(vm);
    const handles = countingHandles();
    const a = vmActions({ store, handles, logger: silentLogger });
    handles.failNext = true;
    a.checkpoint(ctx([tap]));
    expect(handles.writes).toHaveLength(0);
    a.checkpoint(ctx([tap]));
    expect(handles.writes).toEqual([{ tapDevice: 'bgt0' }]);
  });

  it('a deleted VM forgets its last checkpoint, so a VM recreated with that id writes again', () => {
    const store = new MemoryVmStore();
    store.insert(vm);
    const handles = countingHandles();
    const a = vmActions({ store, handles, logger: silentLogger });
    a.checkpoint(ctx([tap]));
    a.removeRecord(ctx([tap]));
    store.insert(vm);
    a.checkpoint(ctx([tap]));
    expect(handles.writes).toHaveLength(2);
  });
});
