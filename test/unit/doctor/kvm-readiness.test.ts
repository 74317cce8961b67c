import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGroupFile, probeKvmGroup, type KvmGroupReport } from '../../../src/doctor/kvm-group.js';
import { checkKvmReadiness, kvmLack } from '../../../src/doctor/kvm-readiness.js';
import type { AcceleratorReport, CheckResult } from '../../../src/doctor/index.js';
import { healthyDoctorPorts } from '../../fakes/index.js';

const KVM: AcceleratorReport = { decision: 'kvm', kvm: 'usable', reason: 'r', source: 'probe' };
const GROUP: KvmGroupReport = { device: '/dev/kvm', present: true, canOpen: true, group: 'kvm', worldAccessible: false, user: 'dev', memberInGroupDb: true, memberInSession: true };
const row = (rows: CheckResult[], id: string) => rows.find((r) => r.id === id)!;

describe('doctor KVM readiness: what each VMM still lacks on this host', () => {
  it('a KVM host with firecracker, a jailer and vhost-vsock: both rows pass and name the binaries', async () => {
    const rows = await checkKvmReadiness(healthyDoctorPorts({ firecrackerSetup: async () => ({ jailer: '/usr/local/bin/jailer', problems: [] }) }));
    expect(rows.map((r) => [r.id, r.status])).toEqual([['kvm-firecracker', 'pass'], ['kvm-qemu', 'pass']]);
    expect(row(rows, 'kvm-firecracker').detail).toBe('ready; firecracker /usr/bin/firecracker; jailer /usr/local/bin/jailer');
  });

  it('without a jailer the firecracker row still passes, saying the jailer is optional', async () => {
    const rows = await checkKvmReadiness(healthyDoctorPorts());
    expect(row(rows, 'kvm-firecracker')).toMatchObject({ status: 'pass' });
    expect(row(rows, 'kvm-firecracker').detail).toContain('no jailer (optional: set jailer_bin');
  });

  it('this machine (kvm_pvm, no firecracker, no vhost-vsock): each lack named with its fix', async () => {
    const rows = await checkKvmReadiness(healthyDoctorPorts({
      accelerator: async () => ({ decision: 'tcg', kvm: 'kvm_pvm', reason: 'r', source: 'probe' }),
      which: async (bin) => (bin === 'firecracker' ? null : `/usr/bin/${bin}`),
      firecrackerSetup: async () => ({
        jailer: null,
        problems: [{ id: 'firecracker-binary', severity: 'fail', detail: 'firecracker is not on PATH and firecracker_bin is not set', fix: 'install Firecracker and set firecracker_bin' }],
      }),
      vhostVsock: async () => false,
    }));
    const fc = row(rows, 'kvm-firecracker');
    expect(fc.status).toBe('warn');
    expect(fc.facts?.lacks).toEqual(['/dev/kvm is kvm_pvm, under which stock guest kernels hang', 'firecracker is not on PATH and firecracker_bin is not set', '/dev/vhost-vsock is missing']);
    expect(fc.fix).toContain('install Firecracker and set firecracker_bin');
    expect(fc.fix).toContain('modprobe vhost_vsock');
    expect(row(rows, 'kvm-qemu')).toMatchObject({ status: 'warn', facts: { lacks: ['/dev/kvm is kvm_pvm, under which stock guest kernels hang'] } });
  });

  it('a jailer that root cannot trust is a lack with the chown fix', async () => {
    const rows = await checkKvmReadiness(healthyDoctorPorts({
      firecrackerSetup: async () => ({
        jailer: '/home/dev/jailer',
        problems: [{ id: 'jailer-binary', severity: 'fail', detail: 'the root helper runs the jailer as root, but /home/dev/jailer is owned by uid 1000', fix: 'sudo chown root:root /home/dev/jailer && sudo chmod 0755 /home/dev/jailer' }],
      }),
    }));
    expect(row(rows, 'kvm-firecracker')).toMatchObject({
      status: 'warn',
      detail: 'not ready for KVM: the root helper runs the jailer as root, but /home/dev/jailer is owned by uid 1000',
      fix: 'sudo chown root:root /home/dev/jailer && sudo chmod 0755 /home/dev/jailer',
    });
  });

  it('kvm group: not a member → usermod; a member since this login → log in again', () => {
    const un = { ...KVM, kvm: 'unusable' as const };
    expect(kvmLack(un, { ...GROUP, canOpen: false, memberInGroupDb: false, memberInSession: false })).toEqual({
      what: 'dev may not open /dev/kvm (group kvm)',
      fix: 'sudo usermod -aG kvm dev, then log in again',
    });
    expect(kvmLack(un, { ...GROUP, canOpen: false, memberInSession: false })?.fix).toBe('log out and in again (or run newgrp kvm), then restart bangerd');
    expect(kvmLack(KVM, GROUP)).toBeUndefined();
    expect(kvmLack({ ...KVM, kvm: 'none' }, GROUP)?.what).toBe('/dev/kvm does not exist (no hardware virtualisation)');
  });

  it('parses /etc/group', () => {
    expect(parseGroupFile('root:x:0:\nkvm:x:993:dev, ops\n# c\nbad\n')).toEqual([
      { name: 'root', gid: 0, members: [] },
      { name: 'kvm', gid: 993, members: ['dev', 'ops'] },
    ]);
  });

  it('probes a real device node: group by name, membership from the group file and the session', async () => {
    // /dev/null is a character device every host has; pretend its group is kvm.
    const dir = mkdtempSync(join(tmpdir(), 'bgkvm-'));
    try {
      writeFileSync(join(dir, 'group'), 'root:x:0:\nkvm:x:0:dev\n');
      const g = await probeKvmGroup({ device: '/dev/null', groupFile: join(dir, 'group'), user: 'dev', gid: 4242, groups: [] });
      expect(g).toMatchObject({ present: true, group: 'root', worldAccessible: true, memberInGroupDb: false, memberInSession: false });
      const absent = await probeKvmGroup({ device: join(dir, 'kvm'), user: 'dev' });
      expect(absent).toMatchObject({ present: false, canOpen: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
