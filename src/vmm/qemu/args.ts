import type { Accel } from '../accel.js';
import { chooseQemuMachine, type QemuMachine } from './machine.js';
import type { VmmDisk, VmmLaunchSpec } from '../../model/vmm.js';

/**
 * Pure: the QEMU command line for a launch spec. `microvm` gets virtio-mmio
 * devices (ACPI on, so the guest finds them without virtio_mmio.device= and
 * system_powerdown works); `pc` gets virtio-pci. See machine.ts for which
 * machine runs when, and what microvm needs under TCG.
 */

export const AGENT_PORT_NAME = 'org.banger.agent';

export interface QemuArgsOptions {
  accel: Accel;
  /** @default microvm under KVM, pc under TCG */
  machine?: QemuMachine;
  pidFile: string;
}

/** QEMU option values separate keys with commas; a literal comma is doubled. */
export function qemuEscape(value: string): string {
  return value.replace(/,/g, ',,');
}

export function buildQemuArgs(spec: VmmLaunchSpec, opts: QemuArgsOptions): string[] {
  const microvm = (opts.machine ?? chooseQemuMachine('auto', opts.accel)) === 'microvm';
  // virtio device model names differ between the PCI and MMIO transports.
  const dev = (kind: 'blk' | 'net' | 'serial' | 'rng'): string =>
    microvm ? `virtio-${kind}-device` : `virtio-${kind}-pci`;
  const args: string[] = ['-name', `banger-${spec.name},process=banger-${spec.vmId.slice(0, 12)}`];
  args.push('-accel', opts.accel);
  if (opts.accel === 'kvm') args.push('-cpu', 'host');
  args.push('-machine', microvm ? 'microvm,x-option-roms=off,pit=off,pic=off,rtc=off,isa-serial=on,acpi=on' : 'pc');
  args.push(
    '-m', String(spec.memoryMiB),
    '-smp', String(spec.vcpuCount),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-kernel', spec.kernelPath,
  );
  if (spec.initrdPath) args.push('-initrd', spec.initrdPath);
  args.push('-append', spec.kernelArgs);
  args.push(...disk('root', spec.rootDisk, dev('blk')));
  if (spec.workDisk) args.push(...disk('work', spec.workDisk, dev('blk')));
  if (spec.network) {
    args.push(
      '-netdev', `tap,id=net0,ifname=${qemuEscape(spec.network.tap)},script=no,downscript=no`,
      '-device', `${dev('net')},netdev=net0,mac=${spec.network.mac}`,
    );
  }
  // Every launch has a generation ID, so a saved state fits the device set it is restored into;
  // microvm has no fw_cfg DMA for it (its restores rely on the agent's seed, see docs).
  if (!microvm && spec.vmGenId) args.push('-device', `vmgenid,guid=${spec.vmGenId}`);
  args.push(
    '-device', `${dev('rng')}`,
    '-chardev', `socket,id=agent,path=${qemuEscape(spec.agentSockPath)},server=on,wait=off`,
    '-device', dev('serial'),
    '-device', `virtserialport,chardev=agent,name=${AGENT_PORT_NAME}`,
    '-chardev', `file,id=console,path=${qemuEscape(spec.logPath)},append=on`,
    '-serial', 'chardev:console',
    '-qmp', `unix:${qemuEscape(spec.apiSockPath)},server=on,wait=off`,
    '-pidfile', opts.pidFile,
  );
  // The saved state arrives over QMP (migrate-incoming) once the socket is up.
  // -S: the loaded guest waits, so its link can be unplugged before it runs a single instruction.
  if (spec.restore) args.push('-incoming', 'defer', '-S');
  return args;
}

function disk(id: string, d: VmmDisk, model: string): string[] {
  const ro = d.readOnly ? ',readonly=on' : '';
  return [
    '-drive', `id=${id},file=${qemuEscape(d.path)},format=${d.format},if=none,cache=writeback,discard=unmap${ro}`,
    '-device', `${model},drive=${id}`,
  ];
}
