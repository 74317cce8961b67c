import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { BOOT_DRIVERS, checkBootDrivers } from '../../src/images/kernel/boot-drivers.js';
import { readVmlinux } from '../../src/images/kernel/vmlinux.js';
import { initrdModules } from '../../src/images/kernel/initrd-modules.js';
import type { VmlinuxReport } from '../../src/images/kernel/elf.js';
import type { Image } from '../../src/model/index.js';
import { missingBinaries } from './vmm-capabilities.js';

/**
 * What issue 19 asks of every built and imported image: an ELF vmlinux for
 * x86_64 with an entry point, beside the vmlinuz, and virtio-mmio, virtio-blk
 * and vsock available at boot (here: loaded by the image's own initramfs, as
 * the Debian cloud kernel has them as modules). Cross-checked with readelf.
 */
export async function expectBootableKernel(image: Image): Promise<VmlinuxReport> {
  expect(image.vmlinuxPath, `image ${image.name} has no vmlinux`).toBe(`${image.artifactDir}/vmlinux`);
  const report = await readVmlinux(image.vmlinuxPath!);
  expect(report.machine).toBe('x86_64');
  expect(report.entry).toBeGreaterThan(0n);
  expect(report.loadSegments.length).toBeGreaterThan(0);
  // QEMU's -kernel loads an ELF only through its PVH entry note (CONFIG_PVH).
  expect(report.pvhEntry).toBeGreaterThan(0);
  expectReadelfAgrees(image.vmlinuxPath!, report);
  const initramfs = await initrdModules(image.initrdPath!);
  const drivers = checkBootDrivers({ initramfs });
  expect(drivers.missing, `boot drivers missing from ${image.initrdPath}`).toEqual([]);
  expect(drivers.drivers.map((d) => d.name)).toEqual([...BOOT_DRIVERS]);
  // Dependencies first: the transport after the vsock core it needs.
  expect(initramfs.indexOf('vsock')).toBeLessThan(initramfs.indexOf('vmw_vsock_virtio_transport'));
  return report;
}

/** binutils' view of the same header, when readelf is installed. */
export function expectReadelfAgrees(path: string, report: VmlinuxReport): void {
  if (missingBinaries('readelf')) return;
  const out = execFileSync('readelf', ['-h', path], { encoding: 'utf8' });
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.+)$`, 'm').exec(out)?.[1]?.trim();
  expect(field('Class')).toBe('ELF64');
  expect(field('Data')).toMatch(/little endian/);
  expect(field('Type')).toMatch(/^EXEC/);
  expect(field('Machine')).toBe('Advanced Micro Devices X86-64');
  expect(BigInt(field('Entry point address')!)).toBe(report.entry);
}
