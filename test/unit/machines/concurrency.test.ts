/**
 * Many VMs through the whole lifecycle at once over fake ports (helper calls
 * with latency so operations interleave): no tap handed to two VMs, and
 * nothing left anywhere afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBangerSystem } from '../../../machines/system.js';
import type { BangerSystem } from '../../../machines/system.js';
import { FakeHelper, createFakePorts } from '../../fakes/index.js';

let sys: BangerSystem | null = null;
afterEach(async () => {
  await sys?.shutdown();
  sys = null;
});

describe('concurrent lifecycles', () => {
  it('80 VMs created, started, stopped and deleted concurrently leave nothing behind', { timeout: 30_000 }, async () => {
    const helper = new FakeHelper({ delayMs: 1 });
    const b = createFakePorts({ helper });
    sys = createBangerSystem(b.ports, { network: { tapPoolSize: 4 }, statsPollIntervalMs: 0, stopTimeoutMs: 100 });
    await sys.start({ timeoutMs: 5000 });
    const names = Array.from({ length: 80 }, (_, i) => `vm${i}`);

    const created = await Promise.all(names.map((name) => sys!.service.create({ name, nat: true })));
    expect(created.every((v) => v.state === 'running')).toBe(true);
    const taps = created.map((v) => v.runtime.tapDevice);
    expect(new Set(taps).size).toBe(names.length);
    expect(b.vmm.alive.size).toBe(names.length);
    expect(helper.state().nat).toHaveLength(names.length);

    // Half stop then delete, half delete straight from running; interleaved.
    await Promise.all(
      names.map((name, i) => (i % 2 ? sys!.service.stop(name).then(() => sys!.service.delete(name)) : sys!.service.delete(name))),
    );
    expect(b.store.list()).toEqual([]);
    expect(b.handles.files.size).toBe(0);
    expect(b.vmm.alive.size).toBe(0);
    expect(helper.state().nat).toEqual([]);
    expect(helper.state().loops).toEqual([]);
    await sys.shutdown();
    sys = null;
    // After shutdown the pool deletes its ready taps: no tap at all is left.
    expect(helper.state().taps).toEqual([]);
  });
});
