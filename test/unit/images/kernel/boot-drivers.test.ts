import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCpioGz } from '../../../../src/images/initramfs.js';
import { BOOT_DRIVERS, builtinFromConfig, builtinFromModulesBuiltin, checkBootDrivers, requireBootDrivers } from '../../../../src/images/kernel/boot-drivers.js';
import { initrdModules, newcFile } from '../../../../src/images/kernel/initrd-modules.js';
import { skipReason } from '../../../helpers/vmm-capabilities.js';

describe('boot drivers: built in or in the initramfs', () => {
  it('the Debian cloud kernel: everything a module, loaded by the initramfs', () => {
    const r = checkBootDrivers({ builtin: ['ext4'], initramfs: ['virtio', 'virtio_ring', 'virtio_mmio', 'virtio_blk', 'vsock', 'vmw_vsock_virtio_transport_common', 'vmw_vsock_virtio_transport'] });
    expect(r).toEqual({ drivers: BOOT_DRIVERS.map((name) => ({ name, source: 'initramfs' })), missing: [] });
  });

  it('built in by config or modules.builtin; names with dashes or .ko count', () => {
    const config = 'CONFIG_VIRTIO_MMIO=y\n# CONFIG_VIRTIO_BLK is not set\nCONFIG_VSOCKETS=m\nCONFIG_VIRTIO_VSOCKETS=y\n';
    expect(builtinFromConfig(config)).toEqual(['virtio_mmio', 'vmw_vsock_virtio_transport']);
    expect(builtinFromModulesBuiltin('kernel/drivers/block/virtio_blk.ko\nkernel/net/vmw_vsock/vsock.ko\n')).toEqual(['virtio_blk', 'vsock']);
    const r = checkBootDrivers({ builtin: [...builtinFromConfig(config), 'virtio-blk'], initramfs: ['vsock.ko'] });
    expect(r.drivers.map((d) => `${d.name}:${d.source}`)).toEqual(['virtio_mmio:builtin', 'virtio_blk:builtin', 'vsock:initramfs', 'vmw_vsock_virtio_transport:builtin']);
  });

  it('names what is missing, and requireBootDrivers refuses it with a hint', () => {
    const r = checkBootDrivers({ initramfs: ['virtio_blk', 'virtio_mmio'] });
    expect(r.missing).toEqual(['vsock', 'vmw_vsock_virtio_transport']);
    expect(() => requireBootDrivers(r, 'kernel X')).toThrow(expect.objectContaining({
      code: 'image.boot_drivers_missing',
      message: expect.stringContaining('kernel X cannot boot under Firecracker or QEMU microvm: vsock, vmw_vsock_virtio_transport neither built into the kernel nor loaded by the initramfs'),
      hint: expect.stringContaining('src/images/initramfs.ts'),
    }));
    expect(() => requireBootDrivers(checkBootDrivers({ builtin: BOOT_DRIVERS }), 'k')).not.toThrow();
  });
});

const cpioMissing = spawnSync('cpio', ['--version']).error ? 'cpio is not installed' : undefined;

describe.skipIf(skipReason(cpioMissing))('the initrd load list, read back from the archive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'banger-initrd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads lib/modules/load-order from a gzip\'d newc cpio made the way banger makes initrds', async () => {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'lib', 'modules'), { recursive: true });
    writeFileSync(join(root, 'init'), '#!/bin/sh\n');
    writeFileSync(join(root, 'lib', 'modules', 'virtio_mmio.ko'), Buffer.alloc(1001, 1));
    writeFileSync(join(root, 'lib', 'modules', 'load-order'), 'virtio.ko\nvirtio_mmio.ko\nvsock.ko\n');
    const out = join(dir, 'initrd.img');
    await writeCpioGz(root, out);
    expect(await initrdModules(out)).toEqual(['virtio', 'virtio_mmio', 'vsock']);
  });

  it('an archive without a load list, or a damaged one, gives no modules', async () => {
    const root = join(dir, 'bare');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'init'), '#!/bin/sh\n');
    const out = join(dir, 'bare.img');
    await writeCpioGz(root, out);
    expect(await initrdModules(out)).toEqual([]);
    expect(newcFile(Buffer.from('070701zzzzzzzz' + 'x'.repeat(200)), 'init')).toBeUndefined();
    expect(newcFile(Buffer.from('garbage'), 'init')).toBeUndefined();
  });
});
