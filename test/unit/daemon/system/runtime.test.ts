import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/index.js';
import { chooseVmmKind, dispatchRuntime, EventHub, standinBehaviourFromConfig, type VmRuntimePorts } from '../../../../src/daemon/system/index.js';
import { VmmError } from '../../../../src/errors/index.js';
import type { AccelDecision } from '../../../../src/vmm/accel.js';
import { makeVm } from '../../../helpers/index.js';

const tcg: AccelDecision = { accel: 'tcg', kvm: 'pvm', reason: '', overridden: false };
const kvm: AccelDecision = { accel: 'kvm', kvm: 'usable', reason: '', overridden: false };

describe('chooseVmmKind', () => {
  it('keeps an explicit setting, standin included', () => {
    expect(chooseVmmKind('standin', tcg)).toBe('standin');
    expect(chooseVmmKind('firecracker', tcg)).toBe('firecracker');
  });
  it('auto: firecracker only with usable KVM and the binary on PATH', () => {
    expect(chooseVmmKind('auto', tcg, '/usr/bin')).toBe('qemu');
    expect(chooseVmmKind('auto', kvm, '/nonexistent')).toBe('qemu');
  });
});

describe('dispatchRuntime', () => {
  const calls: string[] = [];
  const entry = (tag: string): VmRuntimePorts => ({
    storage: {
      prepare: async () => (calls.push(`${tag}.prepare`), { rootDisk: { path: '/x', format: 'raw' } }),
      destroy: async () => void calls.push(`${tag}.destroy`),
      diskUsage: async () => ({ systemOverlayBytes: 0, workDiskBytes: 0 }),
    },
    planner: { launchSpec: () => (calls.push(`${tag}.plan`), {}) as never },
    guest: { waitForGuest: async () => void calls.push(`${tag}.guest`) },
  });

  it('routes each call by the VM row vmm kind', async () => {
    const r = dispatchRuntime({ standin: entry('s'), qemu: entry('q') });
    const opts = { signal: new AbortController().signal, announce: () => undefined };
    await r.storage.prepare(makeVm({ vmm: 'qemu' }), opts);
    await r.storage.prepare(makeVm({ vmm: 'standin' }), opts);
    await r.guest.waitForGuest(makeVm({ vmm: 'qemu' }), { signal: opts.signal, pid: 1 });
    expect(calls).toEqual(['q.prepare', 's.prepare', 'q.guest']);
  });

  it('a kind without a runtime fails with a VmmError naming the fix, but delete still works', async () => {
    const r = dispatchRuntime({ standin: entry('s') });
    await expect(r.storage.prepare(makeVm({ vmm: 'firecracker' }), { signal: new AbortController().signal, announce: () => undefined })).rejects.toBeInstanceOf(VmmError);
    await expect(r.storage.destroy(makeVm({ vmm: 'firecracker' }))).resolves.toBeUndefined();
  });
});

describe('standinBehaviourFromConfig', () => {
  it('turns [standin] durations and fail_at into driver behaviour', () => {
    const c = parseConfig('vmm = "standin"\n[standin]\nlaunch_delay = "1.5s"\nfail_at = "guest_ready"\n');
    expect(standinBehaviourFromConfig(c.standin)).toEqual({
      prepare: {},
      launch: { delayMs: 1500 },
      guestReady: { fail: 'fail_at in config [standin]' },
      stop: {},
    });
  });
});

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
