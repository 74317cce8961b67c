import { homedir } from 'node:os';
import { createVmRuntimePorts } from '../../vm-runtime/index.js';
import type { RuntimeDeps } from './vm-system.js';
import type { VmRuntimeRegistry } from './runtime-registry.js';

/**
 * Runtime ports for the real VMMs (src/vm-runtime): QEMU (qcow2 overlay,
 * virtio-serial agent, SSH readiness) and Firecracker (device-mapper or
 * sparse-copy root, vsock). This is bangerd's default `runtimes`; tests pass
 * their own to `startDaemon({ runtimes })`.
 */
export function realVmRuntimes(deps: RuntimeDeps): VmRuntimeRegistry {
  return createVmRuntimePorts({
    layout: deps.layout,
    config: deps.config,
    images: { get: (id) => deps.store.images.getById(id) },
    privileged: deps.privileged,
    fileSync: {
      entries: deps.config.file_sync,
      // bangerd runs as the owner, so its home is the one file_sync may read from.
      home: homedir(),
      onWarning: (vm, message) => deps.logger.warn({ vm: vm.name }, message),
    },
  });
}
