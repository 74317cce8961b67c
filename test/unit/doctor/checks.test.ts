import { describe, expect, it } from 'vitest';
import {
  checkAccelerator,
  checkArchitecture,
  checkDatabase,
  checkDefaultImage,
  checkFreeDisk,
  checkHelper,
  checkHostTools,
  checkImages,
  checkIpForward,
  checkNetwork,
  checkOwnerImages,
  checkTun,
  checkSnapshots,
  checkSshInclude,
  checkVmDefaults,
  doctorPassed,
  formatDoctor,
  runDoctor,
  type AcceleratorReport,
  type CheckResult,
} from '../../../src/doctor/index.js';
import { InvalidInputError } from '../../../src/errors/index.js';
import { healthyDoctorPorts } from '../../fakes/index.js';

const GiB = 1024 ** 3;

const ports = healthyDoctorPorts;

const accel = (a: Partial<AcceleratorReport>) => ports({ accelerator: async () => ({ decision: 'tcg', kvm: 'none', reason: 'r', source: 'probe', ...a }) });
const missing = (...bins: string[]) => ports({ which: async (bin) => (bins.includes(bin) ? null : `/usr/bin/${bin}`) });

describe('doctor checks', () => {
  it('passes on a healthy host (vmm auto picks Firecracker there, which adds its three requirement rows)', async () => {
    const r = await runDoctor(ports());
    expect(r.map((c) => c.id)).toEqual([
      'architecture', 'accelerator', 'vmm', 'firecracker-kvm', 'firecracker-vsock', 'firecracker-dm', 'kvm-firecracker', 'kvm-qemu',
      'host-tools', 'ip-forward', 'helper', 'tun', 'network', 'database', 'default-image', 'images', 'disk', 'snapshots', 'ssh-include', 'vm-defaults',
    ]);
    expect(r.map((c) => c.status)).toEqual(Array(20).fill('pass'));
    expect(doctorPassed(r)).toBe(true);
    expect(formatDoctor(r)).toContain('all checks passed');
  });

  it('images: one line per image with where it came from, always a pass (a pulled image needs no blob cache) (issue 20)', async () => {
    const digest = `sha256:${'5'.repeat(64)}`;
    const images = [
      { name: 'minimal', source: { kind: 'profile', profile: 'minimal' } },
      { name: 'old', source: { kind: 'import' } },
      { name: 'debian-bookworm', source: { kind: 'pull', reference: 'docker.io/library/debian:bookworm', digest, platform: 'linux/amd64' } },
    ] as const;
    const r = await checkImages(ports({ images: async () => [...images] }));
    expect(r).toMatchObject({ id: 'images', title: 'images', status: 'pass', facts: { images } });
    expect(r.detail.split('\n')).toEqual(['minimal: profile minimal', 'old: import (source not recorded)', `debian-bookworm: pull docker.io/library/debian:bookworm@${digest} (linux/amd64)`]);
    expect(await checkImages(ports({ images: async () => [] }))).toMatchObject({ status: 'pass', detail: 'none yet' });
    // Continuation lines stay in the detail column.
    const text = formatDoctor([r, { id: 'disk', title: 'free disk', status: 'pass', detail: '1 GiB' }]).split('\n');
    expect(text.slice(0, 4)).toEqual(['PASS  images     minimal: profile minimal', '                 old: import (source not recorded)', `                 debian-bookworm: pull docker.io/library/debian:bookworm@${digest} (linux/amd64)`, 'PASS  free disk  1 GiB']);
  });

  it('architecture: x64 passes, anything else fails with a fix', async () => {
    expect((await checkArchitecture(ports())).status).toBe('pass');
    const arm = await checkArchitecture(ports({ arch: () => 'arm64' }));
    expect(arm).toMatchObject({ status: 'fail', detail: 'arm64 is not supported yet' });
    expect(arm.fix).toContain('x86_64');
  });

  it('ip_forward: on passes; off (or unreadable) warns that NAT VMs turn it on through the helper, never fails', async () => {
    expect(await checkIpForward(ports())).toMatchObject({ id: 'ip-forward', title: 'ip_forward', status: 'pass' });
    const off = await checkIpForward(ports({ ipForward: async () => false }));
    expect(off).toMatchObject({ status: 'warn', detail: 'net.ipv4.ip_forward is 0: no traffic is forwarded yet' });
    expect(off.fix).toContain('NAT VMs turn it on through the helper');
    expect((await checkIpForward(ports({ ipForward: async () => null }))).status).toBe('warn');
    expect(doctorPassed(await runDoctor(ports({ ipForward: async () => false })))).toBe(true);
  });

  it('accelerator: usable KVM passes, kvm_pvm warns TCG with its reason, forced KVM on a bad host fails', async () => {
    expect((await checkAccelerator(ports())).status).toBe('pass');
    const pvm = await checkAccelerator(accel({ kvm: 'kvm_pvm', reason: '/dev/kvm is provided by kvm_pvm, under which stock guest kernels hang' }));
    expect(pvm.status).toBe('warn');
    expect(pvm.detail).toBe('TCG software emulation: /dev/kvm is provided by kvm_pvm, under which stock guest kernels hang');
    expect(pvm.fix).toContain('kvm_pvm');
    expect(pvm.facts).toMatchObject({ decision: 'tcg', kvm: 'kvm_pvm' });
    expect((await checkAccelerator(accel({ kvm: 'none' }))).fix).toContain('/dev/kvm');
    expect((await checkAccelerator(accel({ kvm: 'unusable' }))).fix).toContain('kvm group');
    const forced = await checkAccelerator(accel({ decision: 'kvm', kvm: 'kvm_pvm', source: 'config' }));
    expect(forced.status).toBe('fail');
    expect(forced.fix).toContain('accel = "auto"');
  });

  it('host tools: optional missing warns, required missing fails, fix names the packages', async () => {
    expect((await checkHostTools(ports())).status).toBe('pass');
    const opt = await checkHostTools(missing('debugfs', 'ssh'));
    expect(opt).toMatchObject({ status: 'warn', fix: 'apt-get install e2fsprogs openssh-client' });
    expect(opt.detail).toContain('debugfs (');
    const req = await checkHostTools(missing('qemu-img', 'mmdebstrap'));
    expect(req).toMatchObject({ status: 'fail', fix: 'apt-get install qemu-utils mmdebstrap' });
  });

  it('helper: reachable passes, unreachable fails with the port fix or the default', async () => {
    expect((await checkHelper(ports())).status).toBe('pass');
    const own = await checkHelper(ports({ helperStatus: async () => ({ ok: false, detail: 'not allowed', fix: 'run as the owner' }) }));
    expect(own).toMatchObject({ status: 'fail', detail: 'not allowed', fix: 'run as the owner' });
    const dflt = await checkHelper(ports({ helperStatus: async () => ({ ok: false, detail: 'no socket' }) }));
    expect(dflt.fix).toContain('banger system install');
  });

  it('database: ok and missing pass (missing says it is created on first start), unreadable fails', async () => {
    expect((await checkDatabase(ports())).status).toBe('pass');
    const miss = await checkDatabase(ports({ database: async () => ({ state: 'missing', detail: 'no database at /s/banger.db yet' }) }));
    expect(miss.status).toBe('pass');
    expect(miss.detail).toContain('created when the daemon first starts');
    const bad = await checkDatabase(ports({ database: async () => ({ state: 'error', detail: 'file is not a database' }) }));
    expect(bad.status).toBe('fail');
    expect(bad.fix).toContain('move the database aside');
  });

  it('default image: present passes, buildable passes, neither fails with the port fix', async () => {
    expect((await checkDefaultImage(ports())).status).toBe('pass');
    const buildable = await checkDefaultImage(ports({ defaultImage: async () => ({ present: false, name: 'default', buildable: true, detail: 'tools ok' }) }));
    expect(buildable.status).toBe('pass');
    expect(buildable.detail).toContain('built automatically on first use');
    const no = await checkDefaultImage(
      ports({ defaultImage: async () => ({ present: false, name: 'default', buildable: false, detail: 'dropbear not installed', fix: 'apt-get install dropbear-bin' }) }),
    );
    expect(no).toMatchObject({ status: 'fail', fix: 'apt-get install dropbear-bin' });
  });

  it('free disk: plenty passes, under 10G warns, under 2G fails', async () => {
    expect((await checkFreeDisk(ports())).status).toBe('pass');
    expect((await checkFreeDisk(ports({ freeBytes: async () => ({ path: '/s', free: 5 * GiB }) }))).status).toBe('warn');
    const vlow = await checkFreeDisk(ports({ freeBytes: async () => ({ path: '/s', free: GiB }) }));
    expect(vlow.status).toBe('fail');
    expect(vlow.fix).toContain('XDG_STATE_HOME');
  });

  it('snapshots: where and how much; another filesystem than the VM disks fails; Firecracker without reflinks warns', async () => {
    const snaps = { dir: '/s/snapshots', count: 3, bytes: 300 * 1024 * 1024, sameFilesystemAsVms: true, reflinks: false };
    expect(await checkSnapshots(ports({ snapshots: async () => snaps }))).toMatchObject({ status: 'pass', detail: '3 in /s/snapshots, 300M on disk' });
    const split = await checkSnapshots(ports({ snapshots: async () => ({ ...snaps, sameFilesystemAsVms: false }) }));
    expect(split).toMatchObject({ status: 'fail' });
    expect(split.fix).toMatch(/one filesystem/);
    const fc = await checkSnapshots(ports({ snapshots: async () => snaps, vmmConfig: async () => ({ setting: 'firecracker', firecrackerInstalled: false }) as never }));
    expect(fc).toMatchObject({ status: 'warn' });
    expect(fc.fix).toMatch(/XFS or btrfs/);
  });

  it('ssh include: installed passes, absent warns with the install command', async () => {
    expect((await checkSshInclude(ports())).status).toBe('pass');
    expect(await checkSshInclude(ports({ sshIncludeInstalled: async () => false }))).toMatchObject({ status: 'warn', fix: 'banger ssh-config --install' });
  });

  it('VM defaults: lists each value with its provenance; a broken config.toml fails with its own hint', async () => {
    const d = await checkVmDefaults(
      ports({
        vmDefaults: async () => [
          { key: 'vcpu', value: '4', provenance: 'config' },
          { key: 'memory', value: '3013 MiB', provenance: 'auto' },
        ],
      }),
    );
    expect(d).toMatchObject({ status: 'pass', detail: 'vcpu=4 (config), memory=3013 MiB (auto)' });
    const r = await runDoctor(
      ports({
        vmDefaults: async () => {
          throw new InvalidInputError('unknown key "vcpus" in config.toml', { hint: 'remove it or fix the spelling' });
        },
      }),
    );
    const row = r.find((c) => c.id === 'vm-defaults')!;
    expect(row).toMatchObject({ status: 'fail', detail: 'unknown key "vcpus" in config.toml', fix: 'remove it or fix the spelling' });
    expect(doctorPassed(r)).toBe(false);
  });

  it('images as an ordinary user: no rows as root; fakeroot missing fails, a debian-profile gap warns with every fix on one line', async () => {
    expect(await checkOwnerImages(ports())).toEqual([]);
    const user = (r: Partial<Awaited<ReturnType<ReturnType<typeof ports>['ownerImages']>>>) =>
      ports({ isRoot: () => false, ownerImages: async () => ({ user: 'alice', fakeroot: '/usr/bin/fakeroot', debian: [], ...r }) });
    expect(await checkOwnerImages(user({}))).toMatchObject([
      { id: 'image-ownership', status: 'pass', detail: 'fakeroot (/usr/bin/fakeroot) keeps files root-owned inside images built or imported as alice' },
      { id: 'debian-profile', status: 'pass' },
    ]);
    const bad = await checkOwnerImages(
      user({
        fakeroot: null,
        debian: [
          { what: 'mmdebstrap is not installed', fix: 'apt-get install mmdebstrap' },
          { what: 'alice has no range of 65536 ids in /etc/subuid', fix: 'usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice (as root)' },
        ],
      }),
    );
    expect(bad).toEqual([
      expect.objectContaining({ id: 'image-ownership', status: 'fail', fix: 'apt-get install fakeroot' }),
      expect.objectContaining({
        id: 'debian-profile',
        status: 'warn',
        detail: '--profile debian cannot build as alice: mmdebstrap is not installed; alice has no range of 65536 ids in /etc/subuid',
        fix: 'apt-get install mmdebstrap; usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice (as root)',
      }),
    ]);
    expect(doctorPassed(bad)).toBe(false);
    const rows = await runDoctor(user({}));
    expect(rows.map((c) => c.id)).toContain('debian-profile');
  });

  it('a check that crashes becomes a fail row under its own id, and the report goes on', async () => {
    const r = await runDoctor(
      ports({
        freeBytes: async () => {
          throw new Error('statfs exploded');
        },
      }),
    );
    expect(r).toHaveLength(20);
    const disk = r.find((c) => c.id === 'disk')!;
    expect(disk).toMatchObject({ title: 'free disk', status: 'fail', detail: 'check crashed: statfs exploded', fix: 'report this as a banger bug' });
    expect(r.find((c) => c.id === 'vm-defaults')!.status).toBe('pass');
  });

  it('formats one line per check, fixes under warn/fail rows, and a summary', () => {
    const rows: CheckResult[] = [
      { id: 'a', title: 'alpha', status: 'pass', detail: 'fine', fix: 'never shown' },
      { id: 'b', title: 'be', status: 'warn', detail: 'meh', fix: 'do x' },
      { id: 'c', title: 'c', status: 'fail', detail: 'bad', fix: 'do y' },
    ];
    expect(formatDoctor(rows)).toBe(
      ['PASS  alpha  fine', 'WARN  be     meh', '             fix: do x', 'FAIL  c      bad', '             fix: do y', '', '1 failed, 1 warnings'].join('\n'),
    );
  });
});

describe('doctor: tap access and the VM network (owner mode, issue 13)', () => {
  it('a user who cannot open /dev/net/tun fails with the helper as the fix; root and 0666 pass', async () => {
    const denied = healthyDoctorPorts({ isRoot: () => false, tunAccess: async () => ({ present: true, canOpen: false, mode: 'crw------- root', user: 'alice' }) });
    expect(await checkTun(denied)).toMatchObject({
      status: 'fail',
      detail: "/dev/net/tun is crw------- root: alice's VMMs cannot open their taps",
      fix: expect.stringContaining('sudo banger system install --owner alice') as unknown as string,
    });
    const open = healthyDoctorPorts({ isRoot: () => false, tunAccess: async () => ({ present: true, canOpen: true, mode: 'crw-rw-rw- root', user: 'alice' }) });
    expect(await checkTun(open)).toMatchObject({ status: 'pass' });
    const gone = healthyDoctorPorts({ tunAccess: async () => ({ present: false, canOpen: false, mode: 'missing', user: 'alice' }) });
    expect(await checkTun(gone)).toMatchObject({ status: 'fail', fix: 'modprobe tun' });
  });

  it('a network held by another instance fails naming it and the keys to change', async () => {
    const p = healthyDoctorPorts({
      networkConflicts: async () => ({
        bridge: 'br-banger',
        configFile: '/home/a/.config/banger/config.toml',
        conflicts: [{ key: 'bridge_name', message: 'bridge br-banger is in use by banger instance 0123456789ab (uid 1001)' }],
      }),
    });
    expect(await checkNetwork(p)).toMatchObject({
      status: 'fail',
      detail: 'bridge br-banger is in use by banger instance 0123456789ab (uid 1001)',
      fix: 'give this instance a network of its own: set bridge_name in /home/a/.config/banger/config.toml',
    });
  });
});
