import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryProblem } from '../../../src/doctor/binary.js';
import { parseGroupFile, probeKvmGroup, type KvmGroupReport } from '../../../src/doctor/kvm-group.js';
import { checkKvmReadiness, kvmLack } from '../../../src/doctor/kvm-readiness.js';
import type { AcceleratorReport, CheckResult } from '../../../src/doctor/index.js';
import { healthyDoctorPorts } from '../../fakes/index.js';

const KVM: AcceleratorReport = { decision: 'kvm', kvm: 'usable', reason: 'r', source: 'probe' };
const GROUP: KvmGroupReport = { device: '/dev/kvm', present: true, canOpen: true, group: 'kvm', worldAccessible: false, user: 'dev', memberInGroupDb: true, memberInSession: true };
const row = (rows: CheckResult[], id: string) => rows.find((r) => r.id === id)!;

describe('doctor KVM readiness: what each VMM still lacks on this host', () => {
  it('a KVM host with firecracker, a jailer and vhost-vsock: both rows pass and name the binaries', async () => {
    const rows = await checkKvmReadiness(healthyDoctorPorts({ jailerBinary: async () => ({ configured: '/usr/local/bin/jailer', path: '/usr/local/bin/jailer' }) }));
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
      vhostVsock: async () => false,
    }));
    const fc = row(rows, 'kvm-firecracker');
    expect(fc.status).toBe('warn');
    expect(fc.facts?.lacks).toEqual(['/dev/kvm is kvm_pvm, under which stock guest kernels hang', 'firecracker is not on PATH', '/dev/vhost-vsock is missing']);
    expect(fc.fix).toContain('modprobe vhost_vsock');
    expect(fc.fix).toContain('set firecracker_bin in /home/u/.config/banger/config.toml');
    expect(row(rows, 'kvm-qemu')).toMatchObject({ status: 'warn', facts: { lacks: ['/dev/kvm is kvm_pvm, under which stock guest kernels hang'] } });
  });

  it('a jailer that root cannot trust is a lack with the chown fix', async () => {
    const rows = await checkKvmReadiness(healthyDoctorPorts({
      jailerBinary: async () => ({ configured: '/home/dev/jailer', path: null, problem: 'is not owned by root', fix: 'sudo chown root:root /home/dev/jailer' }),
    }));
    expect(row(rows, 'kvm-firecracker')).toMatchObject({ status: 'warn', detail: 'not ready for KVM: jailer_bin /home/dev/jailer is not owned by root', fix: 'sudo chown root:root /home/dev/jailer' });
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

describe('binaryProblem: what root may execute', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgbin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, mode: number, uid = 0): string => {
    const p = join(dir, name);
    writeFileSync(p, '#!/bin/sh\n');
    chmodSync(p, mode);
    if (process.getuid?.() === 0) chownSync(p, uid, 0);
    return p;
  };

  it('missing, not a file, not executable', async () => {
    expect(await binaryProblem(join(dir, 'nope'))).toBe('does not exist');
    mkdirSync(join(dir, 'd'));
    expect(await binaryProblem(join(dir, 'd'))).toBe('is not a regular file');
    expect(await binaryProblem(file('noexec', 0o644))).toBe('is not executable');
  });

  it.skipIf(process.getuid?.() !== 0)('root-owned 0755 under root-owned dirs passes; group-writable or user-owned does not', async () => {
    chmodSync(dir, 0o755);
    expect(await binaryProblem(file('ok', 0o755), { rootOwned: true })).toBeUndefined();
    expect(await binaryProblem(file('gw', 0o775), { rootOwned: true })).toBe('is writable by group or others');
    expect(await binaryProblem(file('user', 0o755, 65534), { rootOwned: true })).toBe('is not owned by root');
    chmodSync(dir, 0o777);
    expect(await binaryProblem(join(dir, 'ok'), { rootOwned: true })).toBe(`is in ${dir}, which is writable by group or others`);
    chmodSync(dir, 0o755);
  });
});
