/** createBangerSystem's event surface: VM transitions and inspect records, over fake ports. */
import { afterEach, describe, expect, it } from 'vitest';
import { createBangerSystem } from '../../../machines/system.js';
import type { BangerSystem } from '../../../machines/system.js';
import type { InspectRecord, VmTransition } from '../../../src/model/index.js';
import { GuestError } from '../../../src/errors/index.js';
import { createFakePorts } from '../../fakes/index.js';

let sys: BangerSystem | null = null;
afterEach(async () => {
  await sys?.shutdown();
  sys = null;
});

describe('BangerSystem events', () => {
  it('streams each VM state change once, in order, with the failure text on error', { timeout: 10_000 }, async () => {
    const b = createFakePorts();
    const records: InspectRecord[] = [];
    sys = createBangerSystem(b.ports, { network: { tapPoolSize: 1 }, statsPollIntervalMs: 0, inspect: (r) => records.push(r) });
    await sys.start({ timeoutMs: 5000 });
    const seen: VmTransition[] = [];
    const off = sys.onTransition((t) => seen.push(t));
    sys.onTransition(() => {
      throw new Error('a broken listener must not break the others');
    });

    const vm = await sys.service.create({ name: 'web' });
    expect(seen.map((t) => `${t.from}>${t.to}`)).toEqual([
      'none>created',
      'created>starting.storage',
      'starting.storage>starting.network',
      'starting.network>starting.vmm',
      'starting.vmm>starting.guestReady',
      'starting.guestReady>running',
    ]);
    expect(seen.every((t) => t.vmId === vm.id && t.name === 'web')).toBe(true);

    seen.length = 0;
    b.ports.guest = { waitForGuest: async () => Promise.reject(new GuestError('no banner')) };
    await sys.service.restart('web').catch(() => {});
    expect(seen.map((t) => t.to)).toEqual(['stopping', 'stopped', 'starting.storage', 'starting.network', 'starting.vmm', 'starting.guestReady', 'rollingBack', 'error']);
    expect(seen.at(-1)!.error).toBe('start.guest.ready: no banner');

    seen.length = 0;
    await sys.service.delete('web');
    expect(seen.map((t) => t.to)).toEqual(['stopped', 'deleting', 'deleted']);
    off();
    // Inspect records are JSON (no reply callbacks) and name the actors.
    expect(() => JSON.stringify(records)).not.toThrow();
    expect(records.some((r) => r.actor === `vm:${vm.id}` && r.state === 'running')).toBe(true);
    expect(records.some((r) => r.actor === 'tapPool')).toBe(true);
  });

  it('a throwing inspect callback does not break the actors', { timeout: 10_000 }, async () => {
    const b = createFakePorts();
    sys = createBangerSystem(b.ports, {
      network: { tapPoolSize: 1 },
      statsPollIntervalMs: 0,
      inspect: () => {
        throw new Error('viz client went away');
      },
    });
    await sys.start({ timeoutMs: 5000 });
    await expect(sys.service.create({ name: 'web' })).resolves.toMatchObject({ state: 'running' });
  });

  it('vmState names the nested state; null for unknown VMs', { timeout: 10_000 }, async () => {
    const b = createFakePorts();
    let hold!: () => void;
    b.ports.guest = { waitForGuest: () => new Promise<void>((r) => (hold = r)) };
    sys = createBangerSystem(b.ports, { network: { tapPoolSize: 1 }, statsPollIntervalMs: 0 });
    await sys.start({ timeoutMs: 5000 });
    const p = sys.service.create({ name: 'web' });
    for (let i = 0; i < 200 && sys.vmState(b.store.getByName('web')?.id ?? '') !== 'starting.guestReady'; i++) await new Promise((r) => setTimeout(r, 5));
    expect(sys.vmState(b.store.getByName('web')!.id)).toBe('starting.guestReady');
    expect(sys.vmState('nope')).toBeNull();
    hold();
    await p;
  });
});
