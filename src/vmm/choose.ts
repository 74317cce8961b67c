import type { VmmName } from '../model/index.js';

/**
 * The VMM new VMs use, from config `vmm`. `auto` picks Firecracker only when
 * KVM is usable (it has no TCG) and its binary is installed, else QEMU.
 * bangerd and doctor both decide through here.
 */
export function chooseVmmKind(setting: VmmName | 'auto', host: { kvmUsable: boolean; firecrackerInstalled: boolean }): VmmName {
  if (setting !== 'auto') return setting;
  return host.kvmUsable && host.firecrackerInstalled ? 'firecracker' : 'qemu';
}
