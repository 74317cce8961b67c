import type { DoctorPorts } from '../../src/doctor/index.js';

const GiB = 1024 ** 3;
export const FAKE_CONFIG_FILE = '/home/u/.config/banger/config.toml';

/** Doctor ports of a healthy KVM host with everything installed; override any port. */
export function healthyDoctorPorts(over: Partial<DoctorPorts> = {}): DoctorPorts {
  const ports: DoctorPorts = {
    arch: () => 'x64',
    which: async (bin) => `/usr/bin/${bin}`,
    accelerator: async () => ({ decision: 'kvm', kvm: 'usable', reason: '/dev/kvm is usable; using KVM (microvm machine)', source: 'probe' }),
    helperStatus: async () => ({ ok: true, detail: 'in-process (root)' }),
    database: async () => ({ state: 'ok', detail: 'schema v2' }),
    images: async () => [{ name: 'default', source: { kind: 'profile', profile: 'minimal' } }],
    defaultImage: async () => ({ present: true, name: 'default', buildable: true, detail: 'minimal' }),
    freeBytes: async () => ({ path: '/s', free: 100 * GiB }),
    snapshots: async () => ({ dir: '/s/snapshots', count: 0, bytes: 0, sameFilesystemAsVms: true, reflinks: false }),
    sshIncludeInstalled: async () => true,
    vmDefaults: async () => [{ key: 'vcpu', value: '2', provenance: 'auto' }],
    isRoot: () => true,
    vmmConfig: async () => ({ setting: 'auto', qemuMachine: 'auto', source: 'default', configFile: FAKE_CONFIG_FILE }),
    vhostVsock: async () => true,
    kvmGroup: async () => ({ device: '/dev/kvm', present: true, canOpen: true, group: 'kvm', worldAccessible: false, user: 'dev', memberInGroupDb: true, memberInSession: true }),
    // Follows `which`, so a test that takes firecracker off PATH takes it away here too.
    firecrackerBinary: async () => ({ configured: null, path: await ports.which('firecracker') }),
    firecrackerSetup: async () => ({ jailer: null, problems: [] }),
    deviceMapper: async () => ({ control: true, driver: true, dmsetup: '/usr/sbin/dmsetup' }),
    tunAccess: async () => ({ present: true, canOpen: true, mode: 'crw-rw-rw- root', user: 'dev' }),
    networkConflicts: async () => ({ bridge: 'br-banger', conflicts: [], configFile: '/home/dev/.config/banger/config.toml' }),
    ipForward: async () => true,
    ownerImages: async () => ({ user: 'u', fakeroot: '/usr/bin/fakeroot', debian: [] }),
    ...over,
  };
  return ports;
}
