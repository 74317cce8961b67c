import { HostError } from '../../errors/index.js';
import { moduleName } from './module-deps.js';

/**
 * Which drivers a guest needs before its root disk and agent work under
 * Firecracker and QEMU microvm, and where each comes from: built into the
 * kernel, or insmod'ed by the image's initramfs. Pure.
 */

/** virtio-mmio (both VMMs' device transport), the root disk, and vsock (the agent under Firecracker). */
export const BOOT_DRIVERS = ['virtio_mmio', 'virtio_blk', 'vsock', 'vmw_vsock_virtio_transport'] as const;

export type DriverSource = 'builtin' | 'initramfs' | 'missing';

export interface BootDriverReport {
  drivers: { name: string; source: DriverSource }[];
  missing: string[];
}

/** Kernel config symbols that mean a driver is built in (`=y`). */
const CONFIG_SYMBOL: Record<string, string> = {
  virtio_mmio: 'CONFIG_VIRTIO_MMIO',
  virtio_blk: 'CONFIG_VIRTIO_BLK',
  vsock: 'CONFIG_VSOCKETS',
  vmw_vsock_virtio_transport: 'CONFIG_VIRTIO_VSOCKETS',
};

/** Built-in module names from a kernel config (`CONFIG_X=y`), for the drivers banger checks. */
export function builtinFromConfig(config: string): string[] {
  const set = new Set(config.split('\n').filter((l) => l.endsWith('=y')).map((l) => l.slice(0, -2).trim()));
  return Object.entries(CONFIG_SYMBOL).filter(([, sym]) => set.has(sym)).map(([name]) => name);
}

/** Module names from modules.builtin (one path per line). */
export function builtinFromModulesBuiltin(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map(moduleName);
}

export function checkBootDrivers(input: { builtin?: Iterable<string>; initramfs?: Iterable<string> }, wanted: readonly string[] = BOOT_DRIVERS): BootDriverReport {
  const builtin = new Set([...(input.builtin ?? [])].map(moduleName));
  const initramfs = new Set([...(input.initramfs ?? [])].map(moduleName));
  const drivers = wanted.map((w) => {
    const name = moduleName(w);
    const source: DriverSource = builtin.has(name) ? 'builtin' : initramfs.has(name) ? 'initramfs' : 'missing';
    return { name, source };
  });
  return { drivers, missing: drivers.filter((d) => d.source === 'missing').map((d) => d.name) };
}

/** @throws HostError `image.boot_drivers_missing` naming each driver neither built in nor in the initramfs. */
export function requireBootDrivers(report: BootDriverReport, what: string): void {
  if (report.missing.length === 0) return;
  throw new HostError(`${what} cannot boot under Firecracker or QEMU microvm: ${report.missing.join(', ')} neither built into the kernel nor loaded by the initramfs`, {
    code: 'image.boot_drivers_missing',
    hint: 'use a kernel with these drivers (linux-image-cloud-amd64 has them as modules) and keep them in the initramfs list (src/images/initramfs.ts)',
  });
}
