import { legacyImageSource, type Image, type VMRecord } from '../../src/model/index.js';

/** A valid Image row with overridable fields. */
export function makeImage(over: Partial<Image> = {}): Image {
  const id = over.id ?? 'a'.repeat(32);
  return {
    id,
    name: 'default',
    profile: 'minimal',
    managed: true,
    artifactDir: `/state/images/${id}`,
    rootfsPath: `/state/images/${id}/rootfs.ext4`,
    kernelPath: `/state/images/${id}/vmlinuz`,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    // What the store derives for a row without one, so an image read back equals the one inserted either way.
    source: legacyImageSource(over.profile ?? 'minimal'),
    ...over,
  };
}

/** A valid VMRecord with overridable fields. */
export function makeVm(over: Partial<VMRecord> & { guestIP?: string } = {}): VMRecord {
  const id = over.id ?? 'b'.repeat(32);
  const name = over.name ?? 'dev';
  const { guestIP, ...rest } = over;
  return {
    id,
    name,
    imageId: 'a'.repeat(32),
    state: 'stopped',
    vmm: 'qemu',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    lastTouchedAt: '2026-01-01T00:00:00.000Z',
    spec: { vcpuCount: 2, memoryMiB: 2048, systemOverlaySizeBytes: 8 * 1024 ** 3, workDiskSizeBytes: 8 * 1024 ** 3, natEnabled: false },
    runtime: {
      guestIP: guestIP ?? '172.16.0.2',
      dnsName: `${name}.vm`,
      vmDir: `/state/vms/${id}`,
      systemOverlayPath: `/state/vms/${id}/overlay.qcow2`,
      workDiskPath: `/state/vms/${id}/work.ext4`,
      logPath: `/state/vms/${id}/console.log`,
      apiSockPath: `/run/vms/${id.slice(0, 12)}/qmp.sock`,
      agentSockPath: `/run/vms/${id.slice(0, 12)}/agent.sock`,
    },
    stats: {},
    ...rest,
  };
}
