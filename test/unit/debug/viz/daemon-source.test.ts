import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../../../../src/rpc/index.js';
import { createDaemonVizSource, statePathToIds, type DaemonVizSource, type VizEvent } from '../../../../src/debug/viz/index.js';
import { fakeVm } from '../../../fakes/fake-tui-source.js';
import { FakeDaemon, until } from '../../tui/fake-daemon.js';

describe('statePathToIds', () => {
  it.each([
    ['vm', 'running', ['vm.running']],
    ['vm', 'starting.network', ['vm.starting', 'vm.starting.network']],
    ['dns', 'a.x|b.y', ['dns.a', 'dns.a.x', 'dns.b', 'dns.b.y']],
    ['vm', 'none', []],
    ['vm', null, []],
  ])('%s %s', (machine, path, ids) => {
    expect(statePathToIds(machine, path)).toEqual(ids);
  });
});

describe('daemon-backed visualizer source', () => {
  let daemon: FakeDaemon | undefined;
  let source: DaemonVizSource | undefined;
  afterEach(async () => {
    source?.close();
    await daemon?.dispose();
  });

  async function setup() {
    const vm = fakeVm('dev');
    const d = new FakeDaemon({
      'debug.machines': () => [{ id: 'vm', root: 'vm', nodes: [], edges: [] }],
      'debug.actors': () => [
        { id: 'supervisor', machineId: 'supervisor', state: 'ready' },
        { id: `vm:${vm.id}`, machineId: 'vm', state: 'starting.network' },
      ],
      'vm.list': () => [vm],
      'events.subscribe': (p) => ({ topics: p.topics }),
    });
    daemon = d;
    await d.start();
    source = createDaemonVizSource({ connect: () => RpcClient.connect(d.socketPath, { timeoutMs: 500 }), backoff: { initialMs: 20, maxMs: 100 } });
    return { d, s: source, vm };
  }

  it('reads graphs and labels VM actors with the VM name and full state ids', async () => {
    const { s, vm } = await setup();
    expect((await s.graphs()).map((g) => g.id)).toEqual(['vm']);
    expect(await s.actors()).toEqual([
      { actorId: 'supervisor', machineId: 'supervisor', states: ['supervisor.ready'] },
      { actorId: `vm:${vm.id}`, machineId: 'vm', label: 'dev', states: ['vm.starting', 'vm.starting.network'] },
    ]);
  });

  it('turns vm.transition and inspect snapshots of known machines into viz events, and ignores step actors', async () => {
    const { d, s, vm } = await setup();
    const events: VizEvent[] = [];
    s.subscribe((e) => events.push(e));
    await until(() => d.calls.some((c) => c.method === 'events.subscribe') && d.calls.some((c) => c.method === 'debug.actors'), 3000, 'subscribe');
    expect(d.calls.find((c) => c.method === 'events.subscribe')?.params).toEqual({ topics: ['vm.transition', 'debug.inspect'] });
    await new Promise((r) => setTimeout(r, 50));
    d.notify('vm.transition', { vmId: vm.id, name: 'dev', from: 'starting.network', to: 'running', event: 'xstate.done.actor.guestReady', at: '2026-11-23T10:00:00.000Z' });
    d.notify('debug.inspect', { actor: 'supervisor', type: 'snapshot', state: 'ready', event: 'vm.spawn', at: 1 }); // unchanged: no event
    d.notify('debug.inspect', { actor: 'supervisor', type: 'snapshot', state: 'shuttingDown', event: 'supervisor.shutdown', at: Date.parse('2026-11-23T10:00:01.000Z') });
    d.notify('debug.inspect', { actor: 'start.storage.overlay', type: 'snapshot', state: 'done', event: 'x', at: 2 });
    d.notify('debug.inspect', { actor: `vm:${vm.id}`, type: 'snapshot', state: 'running', event: 'y', at: 3 });
    await until(() => events.length >= 2, 3000, 'viz events');
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([
      { actorId: `vm:${vm.id}`, machineId: 'vm', label: 'dev', from: ['vm.starting', 'vm.starting.network'], to: ['vm.running'], event: 'xstate.done.actor.guestReady', at: '2026-11-23T10:00:00.000Z' },
      { actorId: 'supervisor', machineId: 'supervisor', from: ['supervisor.ready'], to: ['supervisor.shuttingDown'], event: 'supervisor.shutdown', at: '2026-11-23T10:00:01.000Z' },
    ]);
  });

  it('tells the server to reset after the daemon restarted', async () => {
    const { d, s } = await setup();
    let resets = 0;
    s.subscribe(
      () => undefined,
      () => resets++,
    );
    await until(() => d.calls.some((c) => c.method === 'events.subscribe'), 3000, 'subscribe');
    expect(resets).toBe(0);
    await d.restart(100);
    await until(() => resets === 1, 5000, 'reset');
    expect(d.calls.filter((c) => c.method === 'events.subscribe')).toHaveLength(2);
  });
});
