import type { Image, VMRecord } from '../../../../src/ui/contract.js';

export function vm(over: Partial<VMRecord> & { id: string; name: string }): VMRecord {
  return {
    imageId: 'img1',
    state: 'stopped',
    vmm: 'firecracker',
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    lastTouchedAt: '2026-12-01T00:00:00.000Z',
    spec: { vcpuCount: 2, memoryMiB: 1024, systemOverlaySizeBytes: 8 * 1024 ** 3, workDiskSizeBytes: 8 * 1024 ** 3, natEnabled: false },
    runtime: { guestIP: '172.16.0.2', dnsName: `${over.name}.vm`, vmDir: '', systemOverlayPath: '', workDiskPath: '', logPath: '', apiSockPath: '', agentSockPath: '' },
    stats: {},
    ...over,
  };
}

export function image(name: string, id = `id-${name}`): Image {
  return { id, name, profile: 'debian', managed: true, artifactDir: '', rootfsPath: '', kernelPath: '', createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' };
}
