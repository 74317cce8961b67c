import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Config } from '../config/index.js';
import type { VmmName } from '../model/index.js';

/**
 * The VMM new VMs use, from config `vmm`. `auto` picks Firecracker only when
 * KVM is usable (it has no TCG) and its binary is installed, else QEMU.
 * bangerd and doctor both decide through here.
 */
export function chooseVmmKind(setting: Config['vmm'], host: { kvmUsable: boolean; firecrackerInstalled: boolean }): VmmName {
  if (setting !== 'auto') return setting;
  return host.kvmUsable && host.firecrackerInstalled ? 'firecracker' : 'qemu';
}

/** True when an executable `bin` is in one of PATH's directories. */
export function onPath(bin: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
