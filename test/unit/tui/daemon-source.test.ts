import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../../../src/rpc/index.js';
import { backoffDelay } from '../../../src/rpc/daemon-link.js';
import { createDaemonSource, type ConnectionInfo, type ConnectionState, type DaemonTuiSource, type VmStatsEvent, type VmTransitionEvent } from '../../../tui/index.js';
import { fakeVm } from '../../fakes/fake-tui-source.js';
import { FakeDaemon, until } from './fake-daemon.js';

describe('daemon-backed TUI source', () => {
  let daemon: FakeDaemon | undefined;
  let source: DaemonTuiSource | undefined;
  afterEach(async () => {
    source?.close();
    await daemon?.dispose();
  });

  function setup(methods: ConstructorParameters<typeof FakeDaemon>[0] = {}) {
    const vms = [fakeVm('alpha'), fakeVm('beta', { state: 'stopped' })];
    daemon = new FakeDaemon({
      'vm.list': () => vms,
      'events.subscribe': (p) => ({ topics: p.topics }),
      'vm.start': (p) => ({ ...vms[1], name: p.name }),
      'vm.stop': (p) => ({ ...vms[0], name: p.name }),
      'vm.restart': (p) => ({ ...vms[0], name: p.name }),
      'vm.delete': (p) => ({ deleted: p.name }),
      'vm.logs': (p) => ({ path: '/x', text: `log of ${String(p.name)} (${String(p.tailBytes)})` }),
      ...methods,
    });
    const d = daemon;
    const initials: boolean[] = [];
    source = createDaemonSource({
      connect: (initial) => {
        initials.push(initial);
        return RpcClient.connect(d.socketPath, { timeoutMs: 500 });
      },
      backoff: { initialMs: 20, maxMs: 100 },
    });
    const events = { transitions: [] as VmTransitionEvent[], stats: [] as VmStatsEvent[], conn: [] as Array<[ConnectionState, ConnectionInfo | undefined]> };
    const off = source.subscribe({
      onTransition: (e) => events.transitions.push(e),
      onStats: (e) => events.stats.push(e),
      onConnection: (s, i) => events.conn.push([s, i]),
    });
    return { daemon: d, source, events, off, initials };
  }

  it('lists after subscribing to transitions and stats, and maps notifications to events', async () => {
    const { daemon: d, source: s, events } = setup();
    await d.start();
    const vms = await s.list();
    expect(vms.map((v) => v.name)).toEqual(['alpha', 'beta']);
    const methods = d.calls.map((c) => c.method);
    expect(methods.indexOf('events.subscribe')).toBeLessThan(methods.indexOf('vm.list'));
    expect(d.calls.find((c) => c.method === 'events.subscribe')?.params).toEqual({ topics: ['vm.transition', 'vm.stats'] });

    d.notify('vm.transition', { vmId: 'v1', name: 'alpha', from: 'running', to: 'stopping', event: 'vm.stop', at: '2026-11-23T10:00:00.000Z' });
    d.notify('vm.stats', { vmId: 'v1', name: 'alpha', state: 'running', stats: { cpuPercent: 12.5, rssBytes: 1024 } });
    d.notify('image.progress', { image: 'x', step: 'y' });
    await until(() => events.transitions.length === 1 && events.stats.length === 1, 2000, 'notifications');
    expect(events.transitions[0]).toEqual({ vmId: 'v1', name: 'alpha', from: 'running', to: 'stopping', event: 'vm.stop', at: '2026-11-23T10:00:00.000Z' });
    expect(events.stats[0]).toEqual({ vmId: 'v1', stats: { cpuPercent: 12.5, rssBytes: 1024 } });
    // A first connect is not news: the app only hears about later ones.
    expect(events.conn).toEqual([]);
  });

  it('calls the lifecycle method for each action and reads the log tail', async () => {
    const { daemon: d, source: s } = setup();
    await d.start();
    await s.act('start', 'beta');
    await s.act('stop', 'alpha');
    await s.act('restart', 'alpha');
    await s.act('delete', 'alpha');
    expect(d.calls.filter((c) => c.method.startsWith('vm.') && c.method !== 'vm.list').map((c) => [c.method, c.params])).toEqual([
      ['vm.start', { name: 'beta' }],
      ['vm.stop', { name: 'alpha' }],
      ['vm.restart', { name: 'alpha' }],
      ['vm.delete', { name: 'alpha' }],
    ]);
    expect(await s.logs('alpha', 4096)).toBe('log of alpha (4096)');
  });

  it('rejects an action with the daemon error message', async () => {
    const { daemon: d, source: s } = setup({
      'vm.start': () => {
        throw new Error('vm "beta" is busy stopping');
      },
    });
    await d.start();
    await expect(s.act('start', 'beta')).rejects.toThrow('vm "beta" is busy stopping');
  });

  it('reconnects after a daemon restart, subscribes again, and says the daemon restarted', async () => {
    const { daemon: d, source: s, events, initials } = setup();
    await d.start();
    await s.list();
    await d.restart(200);
    await until(() => events.conn.some(([st]) => st === 'connected'), 5000, 'reconnect');
    expect(events.conn[0]![0]).toBe('reconnecting');
    expect(events.conn.filter(([st]) => st === 'reconnecting')).toHaveLength(1); // one per outage, not per attempt
    expect(events.conn.at(-1)).toEqual(['connected', { restarted: true }]);
    // Only the very first connect may auto-start the daemon.
    expect(initials[0]).toBe(true);
    expect(initials.slice(1).every((x) => x === false)).toBe(true);
    expect(d.calls.filter((c) => c.method === 'events.subscribe')).toHaveLength(2);
    // Events on the new connection still arrive.
    d.notify('vm.transition', { vmId: 'v1', name: 'alpha', from: 'stopped', to: 'starting', event: 'vm.start', at: '2026-11-23T10:00:00.000Z' });
    await until(() => events.transitions.length === 1, 2000, 'transition after reconnect');
    expect((await s.list()).length).toBe(2);
  });

  it('keeps trying with a bounded backoff while the daemon is down, and a waiting list() completes once it is back', async () => {
    const { daemon: d, source: s } = setup();
    // Nothing listens yet: list() waits through failed attempts instead of failing.
    const pending = s.list();
    await new Promise((r) => setTimeout(r, 400));
    await d.start();
    expect((await pending).map((v) => v.name)).toEqual(['alpha', 'beta']);
  });

  it('works without live events against a daemon that has no events.subscribe, and says so', async () => {
    const { daemon: d, source: s, events } = setup();
    delete d.methods['events.subscribe'];
    await d.start();
    expect(await s.list()).toHaveLength(2);
    await until(() => events.conn.length === 1, 2000, 'connection info');
    expect(events.conn[0]![0]).toBe('connected');
    expect(events.conn[0]![1]?.liveError).toMatch(/not found/i);
  });
});

describe('reconnect backoff', () => {
  it.each([
    [0, 0],
    [1, 100],
    [2, 200],
    [3, 400],
    [5, 1600],
    [6, 2000],
    [50, 2000],
  ])('attempt %i waits %i ms', (attempt, ms) => {
    expect(backoffDelay(attempt, 100, 2000)).toBe(ms);
  });
});
