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

  it('runningSince: set on the first running of a run, kept by later writes, cleared when the VM stops', () => {
    // The TUI once showed uptime from updatedAt, which every stats sample moves (8 s where vm stats said 3m42s).
    const started = applyVmPatch({ ...vm, state: 'starting' }, { state: 'running' }, 'T1');
    expect(started.runtime.runningSince).toBe('T1');
    const sampled = applyVmPatch(started, { stats: { rssBytes: 5 } }, 'T2');
    expect([sampled.updatedAt, sampled.runtime.runningSince]).toEqual(['T2', 'T1']);
    const paused = applyVmPatch(sampled, { state: 'paused' }, 'T3');
    const resumed = applyVmPatch(paused, { state: 'running' }, 'T4');
    expect([paused.runtime.runningSince, resumed.runtime.runningSince]).toEqual(['T1', 'T1']);
    for (const state of ['stopping', 'stopped', 'error', 'starting'] as const) {
      expect(applyVmPatch(resumed, { state }, 'T5').runtime.runningSince).toBeUndefined();
    }
    expect(applyVmPatch(applyVmPatch(resumed, { state: 'stopping' }, 'T5'), { state: 'running' }, 'T6').runtime.runningSince).toBe('T6');
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
    expect(row).toMatchObject({
      state: 'running',
      updatedAt: '2026-02-02T00:00:00.000Z',
      runtime: { tapDevice: 'bgtap3', vmmPid: 7, runningSince: '2026-02-02T00:00:00.000Z' },
    });
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
