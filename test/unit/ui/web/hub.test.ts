import { afterEach, describe, expect, it, vi } from 'vitest';
import { batcher } from '../../../../src/ui/web/batch.js';
import { initialState, reduce, type Action } from '../../../../src/ui/web/events.js';
import { HubMemory } from '../../../../src/ui/web/hub-memory.js';
import { batchMsFor } from '../../../../src/ui/web/hub-protocol.js';
import { image, vm } from './fixtures.js';

const replayed = (m: HubMemory) => m.replay().reduce((s, a) => reduce(s, a), initialState);

describe('the shared worker’s memory', () => {
  it('brings a late tab to the same VM table and link state as the first one', () => {
    const m = new HubMemory();
    const first: Action[] = [
      { event: 'local.stream', data: { state: 'connected' } },
      { event: 'daemon', data: { state: 'connected' } },
      { event: 'vms', data: { vms: [vm({ id: 'a', name: 'a' }), vm({ id: 'b', name: 'b' })] } },
      { event: 'vm', data: { vm: vm({ id: 'a', name: 'a', state: 'running' }) } },
      { event: 'vm.removed', data: { id: 'b', name: 'b' } },
      { event: 'image.progress', data: { image: 'deb', step: 'rootfs', fraction: 0.3 } },
    ];
    let tab = initialState;
    for (const a of first) {
      m.apply(a);
      tab = reduce(tab, a, 0);
    }
    const late = replayed(m);
    expect(late.vms).toEqual(tab.vms);
    expect(late.vmsLoaded).toBe(true);
    expect(late.daemon).toBe('connected');
    expect(late.progress['deb']).toMatchObject({ step: 'rootfs', fraction: 0.3 });
  });

  it('replays a daemon that is down, and nothing but the link while the link is down', () => {
    const m = new HubMemory();
    m.apply({ event: 'local.stream', data: { state: 'connected' } });
    m.apply({ event: 'vms', data: { vms: [] } });
    m.apply({ event: 'daemon', data: { state: 'reconnecting', error: 'ECONNREFUSED' } });
    expect(replayed(m)).toMatchObject({ daemon: 'reconnecting', daemonError: 'ECONNREFUSED', vmsLoaded: true });
    m.apply({ event: 'local.stream', data: { state: 'reconnecting' } });
    expect(m.replay()).toEqual([{ event: 'local.stream', data: { state: 'reconnecting' } }]);
  });

  it('starts a tab as connecting before the stream has opened', () => {
    expect(new HubMemory().replay()).toEqual([{ event: 'local.stream', data: { state: 'connecting' } }]);
  });
});

describe('batcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands a burst on as one batch, in order, and a lone action as itself', () => {
    vi.useFakeTimers();
    const out: Action[] = [];
    const send = batcher((a) => out.push(a), 50);
    const imgs: Action = { event: 'images', data: { images: [image('x')] } };
    send({ event: 'local.stream', data: { state: 'connected' } });
    send(imgs);
    expect(out).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(out).toEqual([{ event: 'local.batch', data: [{ event: 'local.stream', data: { state: 'connected' } }, imgs] }]);
    send(imgs);
    vi.advanceTimersByTime(50);
    expect(out[1]).toBe(imgs);
  });

  it('a batch reduces like its actions one by one', () => {
    const actions: Action[] = [
      { event: 'vms', data: { vms: [vm({ id: 'a', name: 'a' })] } },
      { event: 'vm', data: { vm: vm({ id: 'a', name: 'a', state: 'running' }) } },
    ];
    expect(reduce(initialState, { event: 'local.batch', data: actions }, 1)).toEqual(actions.reduce((s, a) => reduce(s, a, 1), initialState));
  });
});

describe('batchMsFor', () => {
  it('keeps 100 ms for a few tabs and stretches with more, up to 1 s', () => {
    expect([1, 2, 5, 10, 20, 25, 100].map(batchMsFor)).toEqual([100, 100, 200, 400, 800, 1000, 1000]);
  });
});
