import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyVmPatch, createVmStorePort } from '../../../../src/daemon/wiring/index.js';
import { openStore, type Store } from '../../../../src/store/index.js';
import { createTempRoot, makeImage, makeVm, type TempRoot } from '../../../helpers/index.js';

describe('applyVmPatch', () => {
  const vm = makeVm({ runtime: { ...makeVm().runtime, tapDevice: 'bgtap0', vmmPid: 42, lastError: 'old' } });

  it('replaces the mirror as a whole and clears it with null', () => {
    expect(applyVmPatch(vm, { mirror: { tapDevice: 'bgtap1' } }, 'T').runtime).toMatchObject({ tapDevice: 'bgtap1' });
    expect(applyVmPatch(vm, { mirror: { tapDevice: 'bgtap1' } }, 'T').runtime.vmmPid).toBeUndefined();
    const cleared = applyVmPatch(vm, { mirror: null }, 'T').runtime;
    expect(cleared.tapDevice).toBeUndefined();
    expect(cleared.vmmPid).toBeUndefined();
    expect(cleared.guestIP).toBe(vm.runtime.guestIP);
  });

  it('sets, keeps and clears lastError; bumps updatedAt; leaves unpatched fields', () => {
    expect(applyVmPatch(vm, { state: 'error', lastError: 'boom' }, 'T')).toMatchObject({ state: 'error', updatedAt: 'T', runtime: { lastError: 'boom' } });
    expect(applyVmPatch(vm, { state: 'running' }, 'T').runtime.lastError).toBe('old');
    expect(applyVmPatch(vm, { lastError: null }, 'T').runtime.lastError).toBeUndefined();
    expect(applyVmPatch(vm, { stats: { rssBytes: 5 } }, 'T')).toMatchObject({ stats: { rssBytes: 5 }, spec: vm.spec, state: vm.state });
  });
});

describe('createVmStorePort (real SQLite)', () => {
  let temp: TempRoot;
  let store: Store;
  beforeEach(() => {
    temp = createTempRoot();
    store = openStore(temp.layout.dbPath);
    store.images.insert(makeImage());
  });
  afterEach(() => {
    store.close();
    temp.remove();
  });

  it('persists a patch synchronously and reads it back', () => {
    const port = createVmStorePort(store, pino({ level: 'silent' }), () => Date.parse('2026-02-02T00:00:00Z'));
    port.insert(makeVm({ name: 'a' }));
    expect(port.update('b'.repeat(32), { state: 'running', mirror: { tapDevice: 'bgtap3', vmmPid: 7 } })).toBe(true);
    const row = store.vms.getByName('a')!;
    expect(row).toMatchObject({ state: 'running', updatedAt: '2026-02-02T00:00:00.000Z', runtime: { tapDevice: 'bgtap3', vmmPid: 7 } });
  });

  it('never throws: a missing row or a closed database is false', () => {
    const port = createVmStorePort(store, pino({ level: 'silent' }));
    expect(port.update('nope', { state: 'running' })).toBe(false);
    expect(port.remove('nope')).toBe(false);
    store.close();
    expect(port.update('b'.repeat(32), { state: 'running' })).toBe(false);
    expect(port.remove('b'.repeat(32))).toBe(false);
  });
});
