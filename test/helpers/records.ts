import { join } from 'node:path';
import type { VMRecord } from '../../src/model/index.js';
import { GiB, newId } from '../../src/model/index.js';
import type { VmRecordFactory } from '../../machines/ports.js';

/** A plausible `created` row; paths under `root`. */
export function makeRecord(name: string, index: number, root = '/tmp/banger-test', overrides: Partial<VMRecord> = {}): VMRecord {
  const id = newId();
  const now = new Date().toISOString();
  const vmDir = join(root, 'vms', id);
  const ip = `172.16.${Math.floor((index + 2) / 250)}.${((index + 2) % 250) + 2}`;
  return {
    id,
    name,
    imageId: 'img-test',
    state: 'created',
    vmm: 'qemu',
    createdAt: now,
    updatedAt: now,
    lastTouchedAt: now,
    spec: { vcpuCount: 1, memoryMiB: 256, systemOverlaySizeBytes: GiB, workDiskSizeBytes: GiB, natEnabled: false },
    runtime: {
      guestIP: ip,
      dnsName: `${name}.vm`,
      vmDir,
      systemOverlayPath: join(vmDir, 'overlay.qcow2'),
      workDiskPath: join(vmDir, 'work.ext4'),
      logPath: join(vmDir, 'console.log'),
      apiSockPath: join(root, 'run', id.slice(0, 12), 'api.sock'),
      agentSockPath: join(root, 'run', id.slice(0, 12), 'agent.sock'),
    },
    stats: {},
    ...overrides,
  };
}

/** Record factory for tests: sequential IPs, NAT per params. */
export function makeRecordFactory(root: string, taken: () => number): VmRecordFactory {
  let n = 0;
  return {
    build(params) {
      const i = taken() + n++;
      const r = makeRecord(params.name ?? `vm-${i}`, i, root);
      if (params.nat) r.spec.natEnabled = true;
      return r;
    },
  };
}
