import { AGENT_VSOCK_PORT } from '../../guest/index.js';
import { createLaunchPlanner } from '../planner.js';
import { VmmError } from '../../errors/index.js';
import type { VmmBackend, VmmDeps } from '../registry.js';
import type { JailOps, JailSettings } from './jail.js';
import { createSshGuestReady } from '../ssh-guest-ready.js';
import { createFirecrackerDriver } from './driver.js';
import { createFirecrackerStorage } from './storage.js';

/**
 * Firecracker's documented guest arguments: reboot=k makes a guest reboot
 * exit the VMM (that is how SendCtrlAltDel stops it); no PCI bus there.
 */
export const FIRECRACKER_KERNEL_ARGS = 'reboot=k pci=off';

/** Firecracker: raw root (dm snapshot or sparse copy), API socket, guest agent over vsock, SSH readiness. */
export const firecrackerBackend: VmmBackend = {
  files: { systemOverlay: 'system.img', controlSocket: 'api.sock' },
  agentTransport: (vm) => ({ kind: 'vsock', socketPath: vm.runtime.agentSockPath, port: AGENT_VSOCK_PORT }),
  create: (deps) => {
    const jail = jailSettings(deps);
    return {
      driver: createFirecrackerDriver({ ...(deps.firecracker?.binary ? { binary: deps.firecracker.binary } : {}), ...(jail ? { jail } : {}) }),
      storage: createFirecrackerStorage({ ...deps, ...(jail ? { jail } : {}) }),
      // Firecracker on x86_64 loads only an ELF kernel, not the bzImage.
      planner: createLaunchPlanner({ images: deps.images, snapshots: deps.snapshots, bridgeCidr: deps.bridgeCidr, extraKernelArgs: FIRECRACKER_KERNEL_ARGS, kernel: 'vmlinux' }),
      guest: createSshGuestReady({
        layout: deps.layout,
        timeoutMs: deps.guestTimeoutMs,
        identity: { agent: (vm) => firecrackerBackend.agentTransport(vm), bridgeCidr: deps.bridgeCidr },
      }),
    };
  },
};

/** The jailer settings the driver and storage share, when config `jailer_bin` is set. */
function jailSettings(deps: VmmDeps): JailSettings | undefined {
  const jailer = deps.firecracker?.jailer;
  if (!jailer) return undefined;
  const ops: JailOps = deps.privileged ?? {
    call: () =>
      Promise.reject(new VmmError('jailer_bin is set but bangerd has no root helper to run the jailer', { code: 'vmm.launch_failed', hint: 'install the helper (sudo banger system install), or unset jailer_bin' })),
  };
  return { jailerBin: jailer.binary, chrootBase: jailer.chrootBase, ops };
}
