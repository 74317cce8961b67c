import { describe, expect, it } from 'vitest';
import { EventHub } from '../../../../src/daemon/wiring/index.js';

describe('EventHub', () => {
  const sink = (id: number) => {
    const got: [string, unknown][] = [];
    const s = { id, isOpen: true, notify: (m: string, p?: unknown) => (got.push([m, p]), true) };
    return { s, got };
  };

  it('delivers only subscribed topics, in order, and drops closed sinks', () => {
    const hub = new EventHub();
    const a = sink(1);
    const b = sink(2);
    expect(hub.subscribe(a.s, ['vm.transition'])).toEqual(['vm.transition']);
    hub.subscribe(b.s, ['vm.stats']);
    expect(hub.subscribe(b.s, ['vm.transition']).sort()).toEqual(['vm.stats', 'vm.transition']);
    const t = (to: string) => ({ vmId: 'v', name: 'n', from: 'x', to, event: 'e', at: 'T' });
    hub.publish('vm.transition', t('starting.storage'));
    hub.publish('vm.transition', t('running'));
    hub.publish('vm.stats', { vmId: 'v', name: 'n', state: 'running', stats: {} });
    expect(a.got.map(([m, p]) => `${m}:${(p as { to?: string }).to ?? ''}`)).toEqual(['vm.transition:starting.storage', 'vm.transition:running']);
    expect(b.got).toHaveLength(3);
    expect(hub.wants('debug.inspect')).toBe(false);
    a.s.isOpen = false;
    hub.publish('vm.transition', t('stopping'));
    expect(hub.size).toBe(1);
  });
});
