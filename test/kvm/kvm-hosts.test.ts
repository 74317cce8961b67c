/**
 * KVM tier (`npm run test:kvm`, issue 19): what cannot run on a host without
 * KVM, run in full where it can. Each suite is gated on named capabilities
 * (test/helpers/kvm-capabilities.ts: kvm, firecracker, jailer, vhost-vsock)
 * and a skipped suite prints which one was missing. The scenario is the same
 * for every VMM: vm run, create, SSH, the guest agent (vm ports: vsock under
 * Firecracker, virtio-serial under QEMU), snapshot and fork, stop, delete, and
 * nothing left behind.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { firecrackerBin, missingFirecracker, missingJailer, missingKvm, missingVhostVsock } from '../helpers/kvm-capabilities.js';
import { jsonData } from '../helpers/cli-json.js';
import { SmokeRig } from '../smoke/smoke-rig.js';

const kvm = await missingKvm();
/** Every missing capability, so one skip line tells a user all a host lacks. */
const allMissing = (...reasons: (string | undefined)[]): string | undefined => reasons.filter(Boolean).join('; ') || undefined;
const base = allMissing(firstMissing(missingRoot(), missingTun(), missingBinaries('mkfs.ext4', 'iptables')), kvm);

function lifecycle(label: string, rigOf: () => SmokeRig): void {
  it(`${label}: vm run, create, ssh, ports through the agent, snapshot and fork, stop, delete`, async () => {
    const rig = rigOf();
    const ssh = async (vm: string, cmd: string): Promise<string> => {
      const r = await rig.cli(['vm', 'ssh', vm, '--', 'sh', '-c', cmd], { timeoutMs: 120_000 });
      expect(r.code, rig.why(r)).toBe(0);
      return r.stdout.trim();
    };
    const run = await rig.cli(['vm', 'run', '--rm', '--', 'echo', 'ok'], { timeoutMs: 120_000 });
    expect(run, rig.why(run)).toMatchObject({ code: 0, stdout: 'ok\n' });

    const created = await rig.cli(['vm', 'create', '--name', 'kv', '--json'], { timeoutMs: 120_000 });
    expect(created.code, rig.why(created)).toBe(0);
    expect(await ssh('kv', 'hostname')).toBe('kv');

    const ports = await rig.cli(['vm', 'ports', 'kv', '--json'], { timeoutMs: 60_000 });
    expect(ports.code, rig.why(ports)).toBe(0);
    expect(jsonData(ports.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ port: 22 })]));

    await ssh('kv', 'echo v1 > /root/file; sync');
    const snap = await rig.cli(['vm', 'snapshot', 'kv', '--name', 'kv-s1'], { timeoutMs: 120_000 });
    expect(snap.code, rig.why(snap)).toBe(0);
    const fork = await rig.cli(['vm', 'fork', 'kv', '--name', 'kv-fork'], { timeoutMs: 120_000 });
    expect(fork.code, rig.why(fork)).toBe(0);
    expect(await ssh('kv-fork', 'hostname; cat /root/file')).toBe('kv-fork\nv1');

    for (const vm of ['kv-fork', 'kv']) {
      expect((await rig.cli(['vm', 'stop', vm], { timeoutMs: 120_000 })).code).toBe(0);
      expect((await rig.cli(['vm', 'delete', '--force', vm], { timeoutMs: 120_000 })).code).toBe(0);
    }
    expect((await rig.cli(['vm', 'snapshot', 'delete', 'kv-s1'])).code).toBe(0);
    expect(jsonData((await rig.cli(['vm', 'list', '--json'])).stdout)).toEqual([]);
    expect(rig.vmmProcesses()).toEqual([]);
  }, 900_000);
}

function suite(name: string, missing: string | undefined, config: () => string[], after?: (rig: SmokeRig) => void): void {
  describe.skipIf(skipReason(missing))(name, () => {
    let rig: SmokeRig;
    beforeAll(async () => {
      rig = new SmokeRig({ tempPrefix: 'bgk-', netnsTag: 'kvm', extraConfig: config() });
      const built = await rig.buildDefaultImage();
      expect(built.code, rig.why(built)).toBe(0);
    }, 900_000);
    afterAll(async () => {
      if (rig) after?.(rig);
      await rig?.cleanup();
    }, 300_000);
    lifecycle(name, () => rig);
  });
}

suite('kvm: QEMU microvm on KVM', allMissing(base, missingBinaries('qemu-system-x86_64', 'qemu-img')), () => ['vmm = "qemu"', 'accel = "kvm"', 'qemu_machine = "microvm"']);

const fcBin = (): string[] => {
  const bin = firecrackerBin();
  return bin && bin.startsWith('/') ? [`firecracker_bin = "${bin}"`] : [];
};

suite('kvm: Firecracker', allMissing(base, missingFirecracker(), missingVhostVsock()), () => ['vmm = "firecracker"', ...fcBin()]);

suite(
  'kvm: Firecracker through the jailer',
  allMissing(base, missingFirecracker(), missingVhostVsock(), missingJailer()),
  () => ['vmm = "firecracker"', ...fcBin(), `jailer_bin = "${process.env.BANGER_TEST_JAILER ?? ''}"`, 'jailer_chroot_base = "/srv/jailer-banger-test"'],
  () => {
    // Every VM's chroot is removed with the VM.
    const dir = join('/srv/jailer-banger-test', 'firecracker');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  },
);
