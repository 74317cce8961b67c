import { afterEach, describe, expect, it } from 'vitest';
import type { VMRecord } from '../../../../src/model/index.js';
import { RpcClient } from '../../../../src/rpc/index.js';
import { startUiServer, type UiServer } from '../../../../src/ui/server/index.js';
import { fakeVm } from '../../../fakes/fake-tui-source.js';
import { openSse, uiHeaders, type SseStream } from '../../../helpers/ui-http.js';
import { FakeDaemon, until } from '../../tui/fake-daemon.js';

/**
 * The reason for one table per server: 20 tabs watching 200 VMs through a
 * burst of starts and deletes cost the daemon a handful of vm.list calls, not
 * one per tab or per event, and every tab ends with the daemon's rows.
 */
describe('20 tabs × 200 VMs', () => {
  let d: FakeDaemon | undefined;
  let ui: UiServer | undefined;
  const tabs: SseStream[] = [];
  afterEach(async () => {
    for (const t of tabs.splice(0)) t.close();
    await ui?.close();
    await d?.dispose();
  });

  it('converge on the daemon rows with a bounded number of vm.list calls', async () => {
    let rows: VMRecord[] = Array.from({ length: 200 }, (_, i) => fakeVm(`vm-${i}`, { id: `${String(i).padStart(4, '0')}${'0'.repeat(28)}`, state: 'stopped' }));
    const daemon = new FakeDaemon({ 'events.subscribe': (p) => ({ topics: p.topics }), 'vm.list': () => rows, 'debug.actors': () => [] });
    d = daemon;
    await daemon.start();
    ui = await startUiServer({ connect: () => RpcClient.connect(daemon.socketPath, { timeoutMs: 500 }), stateDir: '/', debounceMs: 50 }, {});
    await until(() => daemon.calls.some((c) => c.method === 'vm.list'), 3000, 'first load');
    for (let i = 0; i < 20; i++) tabs.push(await openSse(ui.port, '/api/events', uiHeaders(ui.port, ui.token)));
    for (const t of tabs) await t.waitFor((e) => e.event === 'vms', 5000, 'vms');
    const listsBefore = daemon.calls.filter((c) => c.method === 'vm.list').length;

    // Every VM starts (the daemon's rows say running), then the last 50 are deleted.
    rows = rows.map((r) => ({ ...r, state: 'running' as const }));
    for (const r of rows) daemon.notify('vm.transition', { vmId: r.id, name: r.name, from: 'stopped', to: 'starting.storage', event: 'vm.start', at: 'x' });
    for (const r of rows) daemon.notify('vm.transition', { vmId: r.id, name: r.name, from: 'starting.guestReady', to: 'running', event: 'done', at: 'x' });
    const gone = rows.slice(150);
    rows = rows.slice(0, 150);
    for (const r of gone) daemon.notify('vm.transition', { vmId: r.id, name: r.name, from: 'deleting', to: 'deleted', event: 'done', at: 'x' });

    for (const t of tabs) {
      await until(
        () => {
          const state = new Map<string, string>();
          for (const e of t.events) {
            if (e.event === 'vms') {
              state.clear();
              for (const v of (e.data as { vms: VMRecord[] }).vms) state.set(v.id, v.state);
            } else if (e.event === 'vm') state.set((e.data as { vm: VMRecord }).vm.id, (e.data as { vm: VMRecord }).vm.state);
            else if (e.event === 'vm.removed') state.delete((e.data as { id: string }).id);
          }
          return state.size === 150 && [...state.values()].every((s) => s === 'running');
        },
        10_000,
        'tab converged',
      );
    }
    const lists = daemon.calls.filter((c) => c.method === 'vm.list').length - listsBefore;
    expect(lists).toBeGreaterThan(0);
    expect(lists).toBeLessThanOrEqual(4);
  }, 30_000);
});
