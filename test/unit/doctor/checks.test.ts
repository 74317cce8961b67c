import { describe, expect, it } from 'vitest';
import { formatDoctor, runDoctor, type DoctorPorts } from '../../../src/doctor/index.js';

function ports(over: Partial<DoctorPorts> = {}): DoctorPorts {
  return {
    arch: () => 'x64',
    which: async (bin) => `/usr/bin/${bin}`,
    accelerator: async () => ({ decision: 'kvm', kvm: 'usable', reason: '/dev/kvm answers', source: 'probe' }),
    helperStatus: async () => ({ ok: true, detail: 'in-process (root)' }),
    database: async () => ({ state: 'ok', detail: 'schema v2' }),
    defaultImage: async () => ({ present: true, name: 'default', buildable: true, detail: 'minimal' }),
    freeBytes: async () => ({ path: '/s', free: 100 * 1024 ** 3 }),
    sshIncludeInstalled: async () => true,
    vmDefaults: async () => [{ key: 'vcpu', value: '2', provenance: 'auto' }],
    isRoot: () => true,
    ...over,
  };
}

describe('doctor', () => {
  it('passes on a healthy host', async () => {
    const r = await runDoctor(ports());
    expect(r.every((c) => c.status === 'pass')).toBe(true);
    expect(formatDoctor(r)).toContain('all checks passed');
  });

  it('tells kvm_pvm from usable KVM and from none, with a fix', async () => {
    const pvm = await runDoctor(ports({ accelerator: async () => ({ decision: 'tcg', kvm: 'kvm_pvm', reason: '/dev/kvm is kvm_pvm', source: 'probe' }) }));
    const acc = pvm.find((c) => c.id === 'accelerator')!;
    expect(acc.status).toBe('warn');
    expect(acc.detail).toContain('TCG');
    expect(acc.detail).toContain('kvm_pvm');
    expect(acc.fix).toContain('kvm_pvm');
    const none = await runDoctor(ports({ accelerator: async () => ({ decision: 'tcg', kvm: 'none', reason: 'no /dev/kvm', source: 'probe' }) }));
    expect(none.find((c) => c.id === 'accelerator')!.fix).toContain('/dev/kvm');
  });

  it('names missing tools and the packages that provide them', async () => {
    const r = await runDoctor(ports({ which: async (bin) => (bin === 'qemu-img' || bin === 'debootstrap' ? null : `/usr/bin/${bin}`) }));
    const tools = r.find((c) => c.id === 'host-tools')!;
    expect(tools.status).toBe('fail');
    expect(tools.fix).toBe('apt-get install qemu-utils debootstrap');
  });

  it('treats a missing database as pass and a crashing check as a fail row', async () => {
    const r = await runDoctor(
      ports({
        database: async () => ({ state: 'missing', detail: '/s/banger.db not created yet' }),
        freeBytes: async () => {
          throw new Error('statfs exploded');
        },
      }),
    );
    expect(r.find((c) => c.id === 'database')!.status).toBe('pass');
    const disk = r.find((c) => c.detail.includes('statfs exploded'))!;
    expect(disk.status).toBe('fail');
  });

  it('warns on low disk and fails on very low disk', async () => {
    const low = await runDoctor(ports({ freeBytes: async () => ({ path: '/s', free: 5 * 1024 ** 3 }) }));
    expect(low.find((c) => c.id === 'disk')!.status).toBe('warn');
    const vlow = await runDoctor(ports({ freeBytes: async () => ({ path: '/s', free: 1024 ** 3 }) }));
    expect(vlow.find((c) => c.id === 'disk')!.status).toBe('fail');
  });
});
