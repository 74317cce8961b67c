import type { LaunchPlanner } from '../../machines/ports.js';
import { parseCidr } from '../host/network/index.js';
import { InternalError } from '../errors/index.js';
import { buildKernelArgs } from './kernel-args.js';
import type { VmmLaunchSpec } from '../model/vmm.js';
import { imageOf, requireArtifact, requireVmlinux, type ImageSource } from './image-lookup.js';
import { restoreFields, type SnapshotSource } from './restore.js';

export interface PlannerOptions {
  images: ImageSource;
  /** The bridge address and prefix (config `bridge_cidr`, e.g. "172.16.0.1/24"): the guest's gateway and netmask. */
  bridgeCidr: string;
  /** Show kernel messages on the console log (slow under TCG). @default false */
  verboseConsole?: boolean;
  /** The VMM kind's own kernel arguments, appended. */
  extraKernelArgs?: string;
  /** Snapshot rows: a fork or restore resumes one's saved state. */
  snapshots?: SnapshotSource;
  /**
   * Which of the image's kernels the VMM loads: the bzImage (`vmlinuz`, QEMU's
   * default machine) or the uncompressed ELF (`vmlinux`: Firecracker, QEMU
   * microvm). @default 'vmlinuz'
   */
  kernel?: 'vmlinuz' | 'vmlinux';
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/**
 * Builds the VmmLaunchSpec from the VM row and its image: kernel, initrd,
 * the kernel command line (static `ip=` config from the guest IP and the
 * bridge gateway, which is also the guest's DNS server; `net.ifnames=0` so
 * the NIC is eth0), the tap with a MAC
 * derived from the guest IP, and the per-VM paths fixed at create (console
 * log, QMP/API socket, agent channel).
 */
export function createLaunchPlanner(opts: PlannerOptions): LaunchPlanner {
  const cidr = parseCidr(opts.bridgeCidr);
  return {
    async launchSpec(vm, { storage, tap, mac }): Promise<VmmLaunchSpec> {
      // Checked here: QEMU's own complaint about a bad MAC names a device property, not the cause.
      if (!MAC.test(mac)) throw new InternalError(`launch planned with MAC ${JSON.stringify(mac.slice(0, 40))}`, { code: 'vm.bad_mac', hint: 'a bug in banger: please report it with bangerd.log' });
      const image = imageOf(opts.images, vm);
      const kernelPath = opts.kernel === 'vmlinux' ? requireVmlinux(image) : image.kernelPath;
      await requireArtifact(image, opts.kernel === 'vmlinux' ? 'vmlinux' : 'kernel', kernelPath);
      if (image.initrdPath) await requireArtifact(image, 'initrd', image.initrdPath);
      const kernelArgs = buildKernelArgs({
        imageArgs: image.kernelArgs,
        guestIP: vm.runtime.guestIP,
        gatewayIP: cidr.address,
        netmask: cidr.prefix,
        hostname: vm.name,
        // bangerd's DNS answers guests on the gateway (port 53 redirected to it).
        dnsIP: cidr.address,
        quiet: !opts.verboseConsole,
        extra: opts.extraKernelArgs,
      });
      const spec: VmmLaunchSpec = {
        vmId: vm.id,
        name: vm.name,
        vcpuCount: vm.spec.vcpuCount,
        memoryMiB: vm.spec.memoryMiB,
        kernelPath,
        kernelArgs,
        rootDisk: storage.rootDisk,
        network: { tap, mac },
        apiSockPath: vm.runtime.apiSockPath,
        agentSockPath: vm.runtime.agentSockPath,
        logPath: vm.runtime.logPath,
        ...restoreFields(vm, opts.snapshots),
      };
      if (image.initrdPath) spec.initrdPath = image.initrdPath;
      if (storage.workDisk) spec.workDisk = storage.workDisk;
      if (vm.runtime.metricsPath) spec.metricsPath = vm.runtime.metricsPath;
      if (vm.runtime.vsockCID !== undefined) spec.vsockCID = vm.runtime.vsockCID;
      return spec;
    },
  };
}
