import { describe, expect, it } from 'vitest';
import { moduleName, parseModuleIndex, planModuleLoad } from '../../../../src/images/kernel/module-deps.js';

const DEP = `
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/drivers/char/hw_random/virtio-rng.ko: kernel/drivers/virtio/virtio.ko
`;

describe('module load planning', () => {
  const index = parseModuleIndex(DEP, 'kernel/fs/ext4/ext4.ko\n');

  it('orders every module after its dependencies, each once', () => {
    const { order } = planModuleLoad(index, ['virtio_net', 'virtio_pci']);
    const pos = (n: string): number => order.findIndex((p) => moduleName(p) === n);
    expect(new Set(order).size).toBe(order.length);
    expect(pos('failover')).toBeLessThan(pos('net_failover'));
    expect(pos('net_failover')).toBeLessThan(pos('virtio_net'));
    expect(pos('virtio_ring')).toBeLessThan(pos('virtio'));
    expect(pos('virtio')).toBeLessThan(pos('virtio_pci'));
    expect(order).toHaveLength(8);
  });

  it('treats dashes and underscores alike and drops compression suffixes', () => {
    expect(moduleName('kernel/drivers/net/virtio_net.ko.xz')).toBe('virtio_net');
    expect(planModuleLoad(index, ['virtio-rng']).order.at(-1)).toBe('kernel/drivers/char/hw_random/virtio-rng.ko');
  });

  it('skips built-in modules and names unknown ones', () => {
    expect(planModuleLoad(index, ['ext4'])).toEqual({ order: [], builtin: ['ext4'] });
    expect(() => planModuleLoad(index, ['virtio_blk'])).toThrow(/virtio_blk is neither a module nor built in/);
  });

  it('detects dependency cycles', () => {
    const cyc = parseModuleIndex('a.ko: b.ko\nb.ko: a.ko\n');
    expect(() => planModuleLoad(cyc, ['a'])).toThrow(/cycle/);
  });
});
