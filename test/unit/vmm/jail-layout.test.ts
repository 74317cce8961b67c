import { describe, expect, it } from 'vitest';
import { jailerArgs, JAIL_NAME_SET } from '../../../src/model/jail.js';
import type { VmmLaunchSpec } from '../../../src/model/vmm.js';
import { hostPathOf, inJail, jailLayout, jailMemoryLimitBytes, jailOfSocket, jailPathOf, planJail } from '../../../src/vmm/firecracker/jail-layout.js';

const ID = '0123456789abcdef0123456789abcdef';
const spec: VmmLaunchSpec = {
  vmId: ID,
  name: 'j',
  vcpuCount: 1,
  memoryMiB: 512,
  kernelPath: '/state/images/i/vmlinux',
  initrdPath: '/state/images/i/initrd.img',
  kernelArgs: 'console=ttyS0',
  rootDisk: { path: '/dev/mapper/banger-0123456789ab', format: 'raw' },
  workDisk: { path: '/state/vms/x/work.ext4', format: 'raw' },
  network: { tap: 'bgtap0', mac: '06:00:ac:10:00:02' },
  apiSockPath: '/run/banger/x/api.sock',
  agentSockPath: '/run/banger/x/v.sock',
  logPath: '/state/vms/x/console.log',
  metricsPath: '/state/vms/x/metrics.json',
  vsockCID: 3,
};

describe('jail layout (pure)', () => {
  const layout = jailLayout('/srv/jailer', 'firecracker-v1.16.1', ID);

  it('is <base>/<exec name>/<id>/root, as the jailer builds it', () => {
    expect(layout.dir).toBe(`/srv/jailer/firecracker-v1.16.1/${ID}`);
    expect(layout.root).toBe(`/srv/jailer/firecracker-v1.16.1/${ID}/root`);
  });

  it('maps host paths and chroot paths both ways, and nothing outside the root', () => {
    expect(hostPathOf(layout, '/api.sock')).toBe(`${layout.root}/api.sock`);
    expect(jailPathOf(layout, `${layout.root}/api.sock`)).toBe('/api.sock');
    expect(jailPathOf(layout, layout.root)).toBe('/');
    expect(jailPathOf(layout, '/srv/jailer/other')).toBeUndefined();
    expect(jailPathOf(layout, `${layout.root}x/a`)).toBeUndefined();
    expect(() => hostPathOf(layout, '/../../etc/passwd')).not.toThrow();
    expect(hostPathOf(layout, '/../../etc/passwd')).toBe(`${layout.root}/etc/passwd`);
    expect(() => hostPathOf(layout, 'relative')).toThrow(/not a path inside the jail/);
    expect(inJail('vmlinux')).toBe('/vmlinux');
  });

  it('finds the jail from its API socket, and nothing from any other path', () => {
    expect(jailOfSocket('/srv/jailer', `${layout.root}/api.sock`)).toEqual({ execName: 'firecracker-v1.16.1', vmId: ID });
    expect(jailOfSocket('/srv/jailer/', `${layout.root}/api.sock`)).toEqual({ execName: 'firecracker-v1.16.1', vmId: ID });
    expect(jailOfSocket('/srv/jailer', `${layout.root}/v.sock`)).toBeUndefined();
    expect(jailOfSocket('/srv/jailer', '/run/banger/x/api.sock')).toBeUndefined();
    expect(jailOfSocket('/srv/jailer', `/srv/jailer/firecracker/${ID}/root/sub/api.sock`)).toBeUndefined();
  });

  it('plans a boot: every file Firecracker opens linked in under a fixed name, the spec rewritten to chroot paths', () => {
    const plan = planJail(spec, layout);
    expect(plan.links).toEqual([
      { source: spec.kernelPath, name: 'vmlinux' },
      { source: spec.rootDisk.path, name: 'rootfs' },
      { source: spec.initrdPath, name: 'initrd' },
      { source: spec.workDisk!.path, name: 'work' },
    ]);
    expect(plan.create).toEqual(['firecracker.log', 'metrics']);
    expect(plan.spec).toMatchObject({
      kernelPath: '/vmlinux', initrdPath: '/initrd', rootDisk: { path: '/rootfs', format: 'raw' }, workDisk: { path: '/work' },
      apiSockPath: '/api.sock', agentSockPath: '/v.sock', metricsPath: '/metrics',
      // The console is the jailer's stdout, opened on the host: unchanged.
      logPath: spec.logPath, network: spec.network,
    });
    expect(plan.apiSock).toBe(`${layout.root}/api.sock`);
    expect(plan.agentSock).toBe(`${layout.root}/v.sock`);
    for (const n of [...plan.links.map((l) => l.name), ...plan.create]) expect(JAIL_NAME_SET.has(n)).toBe(true);
  });

  it('plans a restore: the snapshot state and memory go in too', () => {
    const plan = planJail({ ...spec, workDisk: undefined, initrdPath: undefined, metricsPath: undefined, restore: { statePath: '/state/snapshots/s/vm.state', memoryPath: '/state/snapshots/s/vm.mem' } }, layout);
    expect(plan.links.map((l) => l.name)).toEqual(['vmlinux', 'rootfs', 'snapshot.state', 'snapshot.mem']);
    expect(plan.spec.restore).toEqual({ statePath: '/snapshot.state', memoryPath: '/snapshot.mem' });
    expect(plan.create).toEqual(['firecracker.log']);
  });

  it('limits memory to the guest plus the VMM overhead', () => {
    expect(jailMemoryLimitBytes(512)).toBe((512 + 128) * 1024 * 1024);
  });
});

describe('the jailer command line (docs/jailer.md)', () => {
  it('cgroup v2: memory.max, then -- and Firecracker\'s own --api-sock inside the chroot', () => {
    expect(jailerArgs({ vmId: ID, firecrackerBin: '/usr/local/bin/firecracker', uid: 1000, gid: 1000, chrootBase: '/srv/jailer', cgroupVersion: 2, memoryLimitBytes: 671088640 })).toEqual([
      '--id', ID, '--exec-file', '/usr/local/bin/firecracker', '--uid', '1000', '--gid', '1000', '--chroot-base-dir', '/srv/jailer',
      '--cgroup-version', '2', '--cgroup', 'memory.max=671088640', '--', '--api-sock', '/api.sock',
    ]);
  });

  it('cgroup v1: memory.limit_in_bytes; no limit, no --cgroup', () => {
    expect(jailerArgs({ vmId: ID, firecrackerBin: '/f/firecracker', uid: 0, gid: 0, chrootBase: '/b', cgroupVersion: 1, memoryLimitBytes: 5 })).toContain('memory.limit_in_bytes=5');
    expect(jailerArgs({ vmId: ID, firecrackerBin: '/f/firecracker', uid: 0, gid: 0, chrootBase: '/b', cgroupVersion: 1 })).not.toContain('--cgroup');
  });
});
