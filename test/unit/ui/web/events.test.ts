import { describe, expect, it } from 'vitest';
import { actorCounts, initialState, latestProgress, reduce, STATS_POINTS, TRANSITION_LOG, type AppState } from '../../../../src/ui/web/events.js';
import { image, vm } from './fixtures.js';

const withVms = (): AppState => reduce(initialState, { event: 'vms', data: { vms: [vm({ id: 'b', name: 'zeta' }), vm({ id: 'a', name: 'alpha' })] } });

describe('event reducer', () => {
  it('takes the whole table from `vms`, sorted by name, and marks it loaded', () => {
    const s = withVms();
    expect(s.vmsLoaded).toBe(true);
    expect(s.vms.map((v) => v.name)).toEqual(['alpha', 'zeta']);
  });

  it('replaces a row by id on `vm` (a rename keeps one row) and adds new ones', () => {
    let s = withVms();
    s = reduce(s, { event: 'vm', data: { vm: vm({ id: 'a', name: 'alpha', state: 'running' }) } });
    s = reduce(s, { event: 'vm', data: { vm: vm({ id: 'c', name: 'mid' }) } });
    expect(s.vms.map((v) => `${v.name}:${v.state}`)).toEqual(['alpha:running', 'mid:stopped', 'zeta:stopped']);
  });

  it('drops a removed VM and its stats history', () => {
    let s = withVms();
    s = reduce(s, { event: 'vm.stats', data: { vmId: 'a', name: 'alpha', state: 'running', stats: { cpuPercent: 5 } } }, 1000);
    s = reduce(s, { event: 'vm.removed', data: { id: 'a', name: 'alpha' } });
    expect(s.vms.map((v) => v.name)).toEqual(['zeta']);
    expect(s.stats['a']).toBeUndefined();
  });

  it('merges stats into the row and keeps the last STATS_POINTS samples', () => {
    let s = withVms();
    for (let i = 0; i < STATS_POINTS + 5; i++) {
      s = reduce(s, { event: 'vm.stats', data: { vmId: 'a', name: 'alpha', state: 'running', stats: { cpuPercent: i, rssBytes: i * 10 } } }, i);
    }
    expect(s.stats['a']).toHaveLength(STATS_POINTS);
    expect(s.stats['a']![0]).toEqual({ at: 5, cpu: 5, rss: 50 });
    const row = s.vms.find((v) => v.id === 'a')!;
    expect(row.stats.cpuPercent).toBe(STATS_POINTS + 4);
    // The state is the rows' (`vm` events), never a sample's: a late sample does not undo a stop.
    expect(row.state).toBe('stopped');
  });

  it('uses collectedAt as the sample time when given', () => {
    const s = reduce(withVms(), { event: 'vm.stats', data: { vmId: 'a', name: 'alpha', state: 'running', stats: { cpuPercent: 1, collectedAt: '2026-12-01T00:00:01.000Z' } } }, 5);
    expect(s.stats['a']![0]!.at).toBe(Date.parse('2026-12-01T00:00:01.000Z'));
  });

  it('a fresh `vms` (reconnect) forgets stats of VMs gone meanwhile', () => {
    let s = reduce(withVms(), { event: 'vm.stats', data: { vmId: 'b', name: 'zeta', state: 'running', stats: { cpuPercent: 1 } } }, 1);
    s = reduce(s, { event: 'vms', data: { vms: [vm({ id: 'a', name: 'alpha' })] } });
    expect(Object.keys(s.stats)).toEqual([]);
  });

  it('tracks image build progress until the image is listed or the build call returns', () => {
    let s = reduce(initialState, { event: 'image.progress', data: { image: 'deb2', step: 'rootfs', fraction: 0.5 } }, 10);
    s = reduce(s, { event: 'image.progress', data: { image: 'other', step: 'kernel' } }, 11);
    expect(s.progress['deb2']).toEqual({ step: 'rootfs', fraction: 0.5, at: 10 });
    s = reduce(s, { event: 'images', data: { images: [image('deb2'), image('a')] } });
    expect(s.progress['deb2']).toBeUndefined();
    expect(s.progress['other']).toBeDefined();
    expect(s.images.map((i) => i.name)).toEqual(['a', 'deb2']);
    expect(s.imagesLoaded).toBe(true);
    s = reduce(s, { event: 'local.buildDone', data: { image: 'other' } });
    expect(s.progress).toEqual({});
  });

  it('moves an actor to its new states and logs the transition, newest first and capped', () => {
    let s = reduce(initialState, { event: 'local.actors', data: { actors: [{ actorId: 'vm:1', machineId: 'vm', label: 'dev', states: ['vm.stopped'] }] } });
    for (let i = 0; i < TRANSITION_LOG + 3; i++) {
      s = reduce(s, { event: 'actor', data: { actorId: 'vm:1', machineId: 'vm', from: ['vm.stopped'], to: ['vm.starting', `vm.starting.s${i}`], event: 'vm.start', at: String(i) } });
    }
    expect(s.actors['vm:1']).toEqual({ actorId: 'vm:1', machineId: 'vm', label: 'dev', states: ['vm.starting', `vm.starting.s${TRANSITION_LOG + 2}`] });
    expect(s.transitions).toHaveLength(TRANSITION_LOG);
    expect(s.transitions[0]!.at).toBe(String(TRANSITION_LOG + 2));
  });

  it('counts actors per state for the badges', () => {
    const counts = actorCounts({
      a: { actorId: 'a', machineId: 'vm', states: ['vm.starting', 'vm.starting.storage'] },
      b: { actorId: 'b', machineId: 'vm', states: ['vm.starting', 'vm.starting.network'] },
    });
    expect(counts.get('vm.starting')).toBe(2);
    expect(counts.get('vm.starting.storage')).toBe(1);
  });

  it('follows the daemon and the stream link', () => {
    let s = reduce(initialState, { event: 'local.stream', data: { state: 'connected' } });
    expect(s.daemon).toBe('connected');
    s = reduce(s, { event: 'daemon', data: { state: 'reconnecting', error: 'ECONNREFUSED' } });
    expect(s).toMatchObject({ daemon: 'reconnecting', daemonError: 'ECONNREFUSED' });
    s = reduce(s, { event: 'daemon', data: { state: 'connected' } });
    expect(s).toMatchObject({ daemon: 'connected', daemonError: undefined });
    s = reduce(s, { event: 'local.stream', data: { state: 'reconnecting' } });
    expect(s.daemon).toBe('reconnecting');
  });

  it('picks the newest build progress, or the named one', () => {
    const p = { a: { step: 'x', at: 1 }, b: { step: 'y', at: 2 } };
    expect(latestProgress(p)?.[0]).toBe('b');
    expect(latestProgress(p, 'a')?.[0]).toBe('a');
    expect(latestProgress({})).toBeUndefined();
  });
});
