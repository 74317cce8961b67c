import { afterEach, describe, expect, it } from 'vitest';
import type { VMRecord } from '../../../../src/model/index.js';
import type { UiEvent } from '../../../../src/ui/contract.js';
import { VmTable } from '../../../../src/ui/server/vm-table.js';
import { fakeVm } from '../../../fakes/fake-tui-source.js';

/** A table over a fake daemon list: `rows` is what vm.list answers, `lists` counts the calls. */
function setup(initial: VMRecord[]) {
  const daemon = { rows: initial, lists: 0 };
  const events: UiEvent[] = [];
  const table = new VmTable({
    list: async () => {
      daemon.lists++;
      return daemon.rows.map((r) => ({ ...r }));
    },
    emit: (e) => events.push(e),
    debounceMs: 20,
  });
  return { daemon, events, table };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t = (vm: VMRecord, from: string, to: string) => ({ vmId: vm.id, name: vm.name, from, to, event: 'e', at: '2026-12-03T00:00:00.000Z' });

describe('VmTable', () => {
  let table: VmTable | undefined;
  afterEach(() => table?.close());

  it('reload sends every row as one vms event; current() is undefined before it', async () => {
    const a = fakeVm('a');
    const s = setup([a]);
    table = s.table;
    expect(s.table.current()).toBeUndefined();
    await s.table.reload();
    expect(s.events).toEqual([{ event: 'vms', data: { vms: [a] } }]);
    expect(s.table.current()).toEqual([a]);
  });

  it('applies a transition in place (state = first segment) and refetches once when the top-level state changed', async () => {
    const a = fakeVm('a', { state: 'stopped' });
    const s = setup([a]);
    table = s.table;
    await s.table.reload();
    s.events.length = 0;
    s.table.handleNotification('vm.transition', t(a, 'stopped', 'starting.storage'));
    s.table.handleNotification('vm.transition', t(a, 'starting.storage', 'starting.network'));
    expect(s.events.map((e) => e.event)).toEqual(['vm.transition', 'vm', 'vm.transition']);
    expect((s.events[1] as Extract<UiEvent, { event: 'vm' }>).data.vm.state).toBe('starting');
    // The daemon's row now says running with an IP: the debounced refetch carries it.
    s.daemon.rows = [{ ...a, state: 'running', runtime: { ...a.runtime, guestIP: '10.0.0.9' } }];
    s.table.handleNotification('vm.transition', t(a, 'starting.guestReady', 'running'));
    await tick(80);
    expect(s.daemon.lists).toBe(2); // reload + one debounced refetch for the burst
    const rows = s.events.filter((e): e is Extract<UiEvent, { event: 'vm' }> => e.event === 'vm').map((e) => [e.data.vm.state, e.data.vm.runtime.guestIP]);
    expect(rows.at(-1)).toEqual(['running', '10.0.0.9']);
  });

  it('a burst that never pauses still refetches at least every maxWaitMs, so new VMs appear while it goes on', async () => {
    const s = setup([]);
    table = new VmTable({ list: async () => { s.daemon.lists++; return s.daemon.rows.map((r) => ({ ...r })); }, emit: (e) => s.events.push(e), debounceMs: 20, maxWaitMs: 60 });
    await table.reload();
    const made: VMRecord[] = [];
    // An unknown VM every 10 ms for 300 ms: a pure 20 ms debounce would refetch once, at the end.
    for (let i = 0; i < 30; i++) {
      const vm = fakeVm(`b${i}`);
      made.push(vm);
      s.daemon.rows = [...made];
      table.handleNotification('vm.transition', t(vm, 'created', 'starting.storage'));
      await tick(10);
    }
    const during = s.daemon.lists - 1;
    await tick(100);
    expect(during).toBeGreaterThanOrEqual(3);
    expect(s.events.filter((e) => e.event === 'vm').length).toBe(30);
  });

  it('leaves the state alone for top-level states that are not stored states (snapshotting, deleting)', async () => {
    const a = fakeVm('a');
    const s = setup([a]);
    table = s.table;
    await s.table.reload();
    s.events.length = 0;
    s.table.handleNotification('vm.transition', t(a, 'running', 'snapshotting.pause'));
    expect(s.events.filter((e) => e.event === 'vm')).toEqual([]);
  });

  it('a delete (to: deleted) refetches and sends vm.removed for the missing row', async () => {
    const a = fakeVm('a');
    const b = fakeVm('b');
    const s = setup([a, b]);
    table = s.table;
    await s.table.reload();
    s.events.length = 0;
    s.daemon.rows = [b];
    s.table.handleNotification('vm.transition', t(a, 'deleting', 'deleted'));
    await tick(60);
    expect(s.events.filter((e) => e.event !== 'vm.transition')).toEqual([{ event: 'vm.removed', data: { id: a.id, name: 'a' } }]);
    expect(s.table.current()).toEqual([b]);
  });

  it('an unknown VM id refetches and sends the new row as vm; a burst costs one vm.list', async () => {
    const a = fakeVm('a');
    const s = setup([a]);
    table = s.table;
    await s.table.reload();
    const fresh = Array.from({ length: 20 }, (_, i) => fakeVm(`n${i}`, { state: 'starting' }));
    s.daemon.rows = [a, ...fresh];
    for (const vm of fresh) s.table.handleNotification('vm.transition', t(vm, 'created', 'starting.storage'));
    await tick(80);
    expect(s.daemon.lists).toBe(2);
    expect(s.events.filter((e) => e.event === 'vm').map((e) => (e as Extract<UiEvent, { event: 'vm' }>).data.vm.name)).toEqual(fresh.map((v) => v.name));
  });

  it('stats update the row silently and go out as vm.stats; a refetch does not resend rows for stats alone', async () => {
    const a = fakeVm('a');
    const s = setup([a]);
    table = s.table;
    await s.table.reload();
    s.events.length = 0;
    s.table.handleNotification('vm.stats', { vmId: a.id, name: 'a', state: 'running', stats: { cpuPercent: 50 } });
    expect(s.events.map((e) => e.event)).toEqual(['vm.stats']);
    expect(s.table.current()?.[0]?.stats).toEqual({ cpuPercent: 50 });
    s.daemon.rows = [{ ...a, stats: { cpuPercent: 51 } }];
    s.table.handleNotification('vm.transition', t(fakeVm('zz'), 'x', 'deleted'));
    await tick(60);
    expect(s.events.filter((e) => e.event === 'vm')).toEqual([]);
  });

  it('upsert and remove (RPC replies) send vm / vm.removed only on change; remove is idempotent', async () => {
    const a = fakeVm('a');
    const s = setup([a]);
    table = s.table;
    await s.table.reload();
    s.events.length = 0;
    s.table.upsert({ ...a });
    s.table.upsert({ ...a, state: 'stopped' });
    s.table.remove('a');
    s.table.remove('a');
    expect(s.events.map((e) => e.event)).toEqual(['vm', 'vm.removed']);
  });

  it('on reconnect, reload replaces everything and sends vms again', async () => {
    const a = fakeVm('a');
    const s = setup([a]);
    table = s.table;
    await s.table.reload();
    const b = fakeVm('b');
    s.daemon.rows = [b];
    await s.table.reload();
    expect(s.events.at(-1)).toEqual({ event: 'vms', data: { vms: [b] } });
    expect(s.table.current()).toEqual([b]);
  });

  it('ignores transitions before the first load (reload brings everything) and other topics', async () => {
    const a = fakeVm('a');
    const s = setup([a]);
    table = s.table;
    s.table.handleNotification('vm.transition', t(a, 'x', 'deleted'));
    s.table.handleNotification('debug.inspect', {});
    await tick(50);
    expect(s.daemon.lists).toBe(0);
  });

  it('a failed refetch reports the error and the table keeps its rows', async () => {
    const a = fakeVm('a');
    const errors: string[] = [];
    let fail = false;
    table = new VmTable({
      list: async () => {
        if (fail) throw new Error('daemon gone');
        return [a];
      },
      emit: () => undefined,
      debounceMs: 5,
      onError: (e) => errors.push(e.message),
    });
    await table.reload();
    fail = true;
    table.handleNotification('vm.transition', t(a, 'deleting', 'deleted'));
    await tick(40);
    expect(errors).toEqual(['daemon gone']);
    expect(table.current()).toEqual([a]);
  });
});
