import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessOps } from '../../../helper/index.js';
import { isProcessAlive } from '../../../src/host/proc/index.js';
import { macFromIp } from '../../../src/host/network/index.js';
import { MiB, newId, type Image, type VMRecord } from '../../../src/model/index.js';
import { JAIL_NAMES } from '../../../src/model/jail.js';
import type { VmmLaunchSpec } from '../../../src/model/vmm.js';
import { VmmError } from '../../../src/errors/index.js';
import { findFirecracker, firecrackerInstalled } from '../../../src/vmm/firecracker/binary.js';
import { firecrackerBackend } from '../../../src/vmm/firecracker/backend.js';
import { createFirecrackerDriver } from '../../../src/vmm/firecracker/driver.js';
import { fcRequest } from '../../../src/vmm/firecracker/api-client.js';
import { createFirecrackerStorage } from '../../../src/vmm/firecracker/storage.js';
import type { VmmDeps } from '../../../src/vmm/registry.js';
import { fcBodyProblem, installFakeFirecracker, type FakeFcRecord, type FakeFirecracker } from '../../helpers/firecracker-api.js';

/**
 * The Firecracker contract (issue 19): create, start, snapshot, stop and
 * delete driven through the VmmRuntime (storage.prepare → planner.launchSpec →
 * driver.launch → driver.snapshot → driver.stop → storage.destroy), directly
 * and through the jailer, against a fake Firecracker that validates every
 * request body against the API description (test/fixtures/firecracker/
 * api.schema.json) and a fake jailer that follows the jailer's CLI. The root
 * helper's jail ops run in-process (this suite runs as root, as bangerd does
 * here). Asserts the jail's layout on disk while the VM runs, and that nothing
 * is left afterwards: no process, mount, chroot dir or socket.
 */

const ROOT = process.getuid?.() === 0;
const silent = pino({ level: 'silent' });

type Kind = 'direct' | 'jailed' | 'jailed-bind';

interface World {
  kind: Kind;
  top: string;
  stateRoot: string;
  runtimeDir: string;
  jailBase: string;
  image: Image;
  deps: VmmDeps;
  ops: ReturnType<typeof createInProcessOps>;
}

describe.skipIf(!ROOT)('Firecracker through the VmmRuntime with a fake firecracker and jailer (#19)', () => {
  let fake: FakeFirecracker;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(() => {
    fake = installFakeFirecracker();
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    fake.cleanup();
  });

  function world(kind: Kind): World {
    // /run: root-owned 0755 all the way down, as the helper requires of a chroot base.
    const top = mkdtempSync('/run/banger-fcrt-');
    chmodSync(top, 0o755);
    // jailed-bind: the VM's files on another filesystem (tmpfs) than the jail (ext4), so they are bind mounted in.
    const stateRoot = kind === 'jailed-bind' ? mkdtempSync('/dev/shm/banger-fcrt-') : join(top, 'state');
    const runtimeDir = join(top, 'run');
    const jailBase = join(top, 'jail');
    mkdirSync(join(stateRoot, 'images', 'img'), { recursive: true });
    mkdirSync(runtimeDir, { recursive: true });
    const art = join(stateRoot, 'images', 'img');
    writeFileSync(join(art, 'vmlinux'), 'ELF fake kernel');
    writeFileSync(join(art, 'vmlinuz'), 'bzImage fake kernel');
    writeFileSync(join(art, 'initrd.img'), 'fake initrd');
    writeFileSync(join(art, 'rootfs.ext4'), Buffer.alloc(MiB));
    const now = new Date().toISOString();
    const image: Image = {
      id: 'c'.repeat(32), name: 'fake', profile: 'minimal', managed: true, artifactDir: art,
      rootfsPath: join(art, 'rootfs.ext4'), kernelPath: join(art, 'vmlinuz'), vmlinuxPath: join(art, 'vmlinux'), initrdPath: join(art, 'initrd.img'), createdAt: now, updatedAt: now,
    };
    const ops = createInProcessOps({
      policy: { ownerUid: 0, ownerGid: 0, ownerName: 'root', bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: [stateRoot, runtimeDir], jailBase },
      logger: silent,
    });
    const deps: VmmDeps = {
      layout: { vmsDir: join(stateRoot, 'vms'), runtimeDir, sshDir: join(stateRoot, 'ssh'), sshKeyPath: join(stateRoot, 'ssh', 'id'), knownHostsPath: join(stateRoot, 'ssh', 'known_hosts') },
      bridgeCidr: '172.16.0.1/24',
      images: { get: (id) => (id === image.id ? image : undefined) },
      accel: 'kvm',
      privileged: ops,
      firecracker: { binary: fake.firecracker, ...(kind === 'direct' ? {} : { jailer: { binary: fake.jailer, chrootBase: jailBase } }) },
    };
    cleanups.push(() => {
      rmSync(top, { recursive: true, force: true });
      if (stateRoot.startsWith('/dev/shm/')) rmSync(stateRoot, { recursive: true, force: true });
    });
    return { kind, top, stateRoot, runtimeDir, jailBase, image, deps, ops };
  }

  function vmRecord(w: World, name: string, ip: string): VMRecord {
    const id = newId();
    const vmDir = join(w.deps.layout.vmsDir, id);
    const run = join(w.runtimeDir, id.slice(0, 12));
    const now = new Date().toISOString();
    // A failed assertion must not leave a process, mount or jail behind.
    cleanups.push(() => w.ops.call('jail.remove', { vmId: id, chrootBase: w.jailBase }).then(() => undefined, () => undefined));
    return {
      id, name, imageId: w.image.id, state: 'created', vmm: 'firecracker', createdAt: now, updatedAt: now, lastTouchedAt: now,
      spec: { vcpuCount: 2, memoryMiB: 256, systemOverlaySizeBytes: 64 * MiB, workDiskSizeBytes: 16 * MiB, natEnabled: false },
      runtime: {
        guestIP: ip, dnsName: `${name}.vm`, vmDir,
        systemOverlayPath: join(vmDir, 'system.img'), workDiskPath: join(vmDir, 'work.ext4'), logPath: join(vmDir, 'console.log'),
        metricsPath: join(vmDir, 'metrics.json'), apiSockPath: join(run, 'api.sock'), agentSockPath: join(run, 'v.sock'), vsockCID: 3,
      },
      stats: {},
    };
  }

  /** The VmmRuntime as bangerd builds it; storage without device-mapper (a sparse copy), whatever this host has. */
  function runtime(w: World) {
    const rt = firecrackerBackend.create(w.deps);
    const jail = w.deps.firecracker?.jailer ? { chrootBase: w.jailBase, ops: w.ops } : undefined;
    return { ...rt, storage: createFirecrackerStorage({ ...w.deps, dmAvailable: async () => false, ...(jail ? { jail } : {}) }) };
  }

  const requestsOf = (id: string): FakeFcRecord[] => fake.requests().filter((r) => r.id === id || r.id === id.slice(0, 12));
  const calls = (id: string) => requestsOf(id).filter((r) => r.method && r.method !== 'GET');

  /** Every body the fake saw was valid, every answer 2xx, and the API description agrees body by body. */
  function expectCleanApi(id: string): void {
    const cs = calls(id);
    expect(cs.length).toBeGreaterThan(0);
    expect(cs.filter((c) => c.problem || (c.status ?? 0) >= 300).map((c) => `${c.method} ${c.url}: ${c.problem}`)).toEqual([]);
    expect(cs.map((c) => fcBodyProblem(c.method!, c.url!, c.body)).filter(Boolean)).toEqual([]);
  }

  function mountsUnder(dir: string): string[] {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((mp) => mp === dir || mp.startsWith(`${dir}/`));
  }

  async function lifecycle(kind: Kind): Promise<void> {
    const w = world(kind);
    const rt = runtime(w);
    const vm = vmRecord(w, `fc-${kind}`, '172.16.0.9');
    const signal = new AbortController().signal;
    const jailed = kind !== 'direct';
    const jailDir = join(w.jailBase, 'firecracker', vm.id);
    const root = join(jailDir, 'root');

    // create + start
    const storage = await rt.storage.prepare(vm, { signal, announce: () => undefined });
    const spec = await rt.planner.launchSpec(vm, { storage, tap: 'bgtap9', mac: macFromIp(vm.runtime.guestIP) });
    await rt.driver.prepare(spec);
    const h = await rt.driver.launch(spec);
    expect(h.apiSockPath).toBe(spec.apiSockPath);
    expect(await rt.driver.inspect(h)).toEqual({ alive: true, status: 'Running' });
    expectCleanApi(vm.id);
    const boot = calls(vm.id).map((c) => [c.method, c.url]);
    expect(boot).toEqual([
      ['PUT', '/logger'], ['PUT', '/metrics'], ['PUT', '/machine-config'], ['PUT', '/boot-source'], ['PUT', '/drives/rootfs'],
      ['PUT', '/drives/work'], ['PUT', '/network-interfaces/eth0'], ['PUT', '/vsock'], ['PUT', '/actions'],
    ]);
    const body = (url: string) => calls(vm.id).find((c) => c.url === url)?.body as Record<string, unknown>;

    if (!jailed) {
      // Firecracker gets the ELF vmlinux, never the bzImage.
      expect(body('/boot-source')).toMatchObject({ kernel_image_path: w.image.vmlinuxPath, initrd_path: w.image.initrdPath });
      expect(body('/drives/rootfs')).toMatchObject({ path_on_host: vm.runtime.systemOverlayPath });
      expect(lstatSync(spec.apiSockPath).isSocket()).toBe(true);
    } else {
      // The exact jailer command line, and Firecracker exec'd by it as the owner, in its chroot, with the same pid.
      const run = fake.jailerRuns().find((r) => r.argv.includes(vm.id))!;
      const cgv = existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1;
      expect(run.argv).toEqual([
        '--id', vm.id, '--exec-file', fake.firecracker, '--uid', '0', '--gid', '0', '--chroot-base-dir', w.jailBase, '--cgroup-version', String(cgv),
        '--cgroup', `${cgv === 2 ? 'memory.max' : 'memory.limit_in_bytes'}=${(256 + 128) * MiB}`, '--', '--api-sock', '/api.sock',
      ]);
      expect(run.root).toBe(root);
      const start = requestsOf(vm.id).find((r) => r.event === 'start')!;
      expect(start).toMatchObject({ jailed: true, root, pid: h.pid, uid: 0 });
      expect(start.argv).toEqual(['--id', vm.id, '--start-time-us', '0', '--start-time-cpu-us', '0', '--parent-cpu-time-us', '0', '--api-sock', '/api.sock']);
      // API bodies carry chroot paths only.
      expect(body('/logger')).toMatchObject({ log_path: '/firecracker.log' });
      expect(body('/metrics')).toEqual({ metrics_path: '/metrics' });
      expect(body('/boot-source')).toMatchObject({ kernel_image_path: '/vmlinux', initrd_path: '/initrd' });
      expect(body('/drives/rootfs')).toMatchObject({ path_on_host: '/rootfs' });
      expect(body('/drives/work')).toMatchObject({ path_on_host: '/work' });
      expect(body('/vsock')).toEqual({ guest_cid: 3, uds_path: '/v.sock' });
      // The layout on disk while the VM runs.
      expect(readdirSync(root).sort()).toEqual(
        ['api.sock', 'dev', 'firecracker', 'firecracker.log', 'firecracker.pid', 'initrd', 'metrics', 'rootfs', 'run', 'v.sock', 'vmlinux', 'work'].sort(),
      );
      expect(readFileSync(join(root, 'firecracker.pid'), 'utf8')).toBe(String(h.pid));
      expect(statSync(join(root, 'dev', 'kvm')).isCharacterDevice()).toBe(true);
      expect(lstatSync(join(root, 'api.sock')).isSocket()).toBe(true);
      expect(statSync(join(root, 'api.sock')).uid).toBe(process.getuid!());
      expect(lstatSync(join(root, 'v.sock')).isSocket()).toBe(true);
      for (const d of [w.jailBase, join(w.jailBase, 'firecracker'), jailDir]) expect(statSync(d)).toMatchObject({ uid: 0 });
      expect(readlinkSync(spec.apiSockPath)).toBe(join(root, 'api.sock'));
      expect(readlinkSync(spec.agentSockPath)).toBe(join(root, 'v.sock'));
      const pairs: [string, string][] = [[w.image.vmlinuxPath!, 'vmlinux'], [w.image.initrdPath!, 'initrd'], [vm.runtime.systemOverlayPath, 'rootfs'], [vm.runtime.workDiskPath, 'work']];
      for (const [src, name] of pairs) {
        // Hard links on one filesystem; bind mounts across: either way the same file as the VM's.
        expect(statSync(join(root, name)).ino).toBe(statSync(src).ino);
      }
      expect(mountsUnder(jailDir).length).toBe(kind === 'jailed-bind' ? 4 : 0);
      expect(lstatSync(join(root, 'firecracker.log')).uid).toBe(0);
    }

    // snapshot (#11): state and memory end up in the snapshot's dir, nothing stays in the jail.
    const snapDir = join(w.stateRoot, 'snapshots', 's1');
    mkdirSync(snapDir, { recursive: true });
    const snap = await rt.driver.snapshot(h, { statePath: join(snapDir, 'vm.state'), memoryPath: join(snapDir, 'vm.mem'), disks: [] });
    expect(snap.stateBytes).toBe('fake vmstate'.length + 'fake guest memory'.length);
    expect(readFileSync(join(snapDir, 'vm.mem'), 'utf8')).toBe('fake guest memory');
    const create = calls(vm.id).find((c) => c.url === '/snapshot/create')!;
    expect(create.body).toEqual(
      jailed
        ? { snapshot_type: 'Full', snapshot_path: `/${JAIL_NAMES.snapshotOutState}`, mem_file_path: `/${JAIL_NAMES.snapshotOutMemory}` }
        : { snapshot_type: 'Full', snapshot_path: join(snapDir, 'vm.state'), mem_file_path: join(snapDir, 'vm.mem') },
    );
    if (jailed) expect(readdirSync(root).filter((n) => n.startsWith('out.'))).toEqual([]);
    expectCleanApi(vm.id);

    // restore that snapshot into a fork: the state and memory files go into the fork's jail too.
    const fork = vmRecord(w, `fk-${kind}`, '172.16.0.10');
    const forkStorage = await rt.storage.prepare(fork, { signal, announce: () => undefined });
    const forkSpec: VmmLaunchSpec = {
      ...(await rt.planner.launchSpec(fork, { storage: forkStorage, tap: 'bgtap10', mac: macFromIp(fork.runtime.guestIP) })),
      restore: { statePath: join(snapDir, 'vm.state'), memoryPath: join(snapDir, 'vm.mem') },
    };
    await rt.driver.prepare(forkSpec);
    const fh = await rt.driver.launch(forkSpec);
    expectCleanApi(fork.id);
    const load = calls(fork.id).find((c) => c.url === '/snapshot/load')!.body as Record<string, unknown>;
    expect(load).toMatchObject(
      jailed
        ? { snapshot_path: '/snapshot.state', mem_backend: { backend_type: 'File', backend_path: '/snapshot.mem' }, vsock_override: { uds_path: '/v.sock' } }
        : { snapshot_path: join(snapDir, 'vm.state'), mem_backend: { backend_type: 'File', backend_path: join(snapDir, 'vm.mem') } },
    );
    expect(await rt.driver.stop(fh, { timeoutMs: 5000 })).toBe('graceful');

    // stop: SendCtrlAltDel, the fake exits, the jail goes with it.
    expect(await rt.driver.stop(h, { timeoutMs: 5000 })).toBe('graceful');
    expect(calls(vm.id).at(-1)?.body).toEqual({ action_type: 'SendCtrlAltDel' });
    expect(await isProcessAlive(h.pid, h.pidStartTime)).toBe(false);
    expect(await isProcessAlive(fh.pid, fh.pidStartTime)).toBe(false);
    expect(existsSync(spec.apiSockPath)).toBe(false);
    if (jailed) {
      expect(existsSync(jailDir)).toBe(false);
      expect(mountsUnder(w.jailBase)).toEqual([]);
    }

    // delete: storage.destroy removes the VM's files and (idempotently) its jail.
    await rt.storage.destroy(vm);
    await rt.storage.destroy(fork);
    expect(existsSync(vm.runtime.vmDir)).toBe(false);
    expect(existsSync(join(w.runtimeDir, vm.id.slice(0, 12)))).toBe(false);
    if (jailed) expect(readdirSync(join(w.jailBase, 'firecracker'))).toEqual([]);
    expect(mountsUnder(w.top)).toEqual([]);
    expect(mountsUnder(w.stateRoot)).toEqual([]);
  }

  it('the fake itself answers like Firecracker: 400 with fault_message for unknown fields, missing files, calls out of order', async () => {
    const dir = mkdtempSync('/run/banger-fcrt-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const sock = join(dir, 'api.sock');
    const child = spawn(fake.firecracker, ['--api-sock', sock, '--id', 'fake-self-test'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      const fault = (r: { status: number; body: unknown }) => [r.status, (r.body as { fault_message?: string }).fault_message];
      expect(fault(await fcRequest(sock, 'PUT', '/boot-source', { kernel_image_path: join(dir, 'api.sock'), bogus: 1 }))).toEqual([400, expect.stringMatching(/additional properties/)]);
      expect(fault(await fcRequest(sock, 'PUT', '/boot-source', { kernel_image_path: join(dir, 'nope') }))).toEqual([400, expect.stringMatching(/No such file/)]);
      expect(fault(await fcRequest(sock, 'PATCH', '/vm', { state: 'Paused' }))).toEqual([400, expect.stringMatching(/before starting/)]);
      expect(fault(await fcRequest(sock, 'PUT', '/drives/a', { drive_id: 'b', is_root_device: true }))).toEqual([400, expect.stringMatching(/does not match/)]);
      expect((await fcRequest(sock, 'GET', '/')).body).toMatchObject({ state: 'Not started' });
      expect((await fcRequest(sock, 'PUT', '/actions', { action_type: 'InstanceStart' })).status).toBe(204);
      expect((await fcRequest(sock, 'PUT', '/actions', { action_type: 'SendCtrlAltDel' })).status).toBe(204);
      await exited;
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('after a bangerd crash: a dead VMM\'s jail goes when reconcile stops it, a live orphan\'s (handle lost) at delete', async () => {
    const w = world('jailed');
    const vm = vmRecord(w, 'fc-crash', '172.16.0.11');
    const signal = new AbortController().signal;
    const launch = async (rt: ReturnType<typeof runtime>) => {
      const storage = await rt.storage.prepare(vm, { signal, announce: () => undefined });
      const spec = await rt.planner.launchSpec(vm, { storage, tap: 'bgtap11', mac: macFromIp(vm.runtime.guestIP) });
      await rt.driver.prepare(spec);
      return { spec, h: await rt.driver.launch(spec) };
    };
    const jailDir = join(w.jailBase, 'firecracker', vm.id);
    const first = await launch(runtime(w));
    // The VMM dies while bangerd is down; the restarted bangerd's reconcile stops the recorded handle.
    process.kill(first.h.pid, 'SIGKILL');
    for (let i = 0; i < 100 && (await isProcessAlive(first.h.pid, first.h.pidStartTime)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(jailDir)).toBe(true);
    expect(await runtime(w).driver.stop(first.h)).toBe('already-stopped');
    expect(existsSync(jailDir)).toBe(false);
    expect(existsSync(first.spec.apiSockPath)).toBe(false);
    // Running again, then every handle lost: delete still finds the process by its jail id, kills it and removes the jail.
    const second = await launch(runtime(w));
    expect(existsSync(jailDir)).toBe(true);
    await runtime(w).storage.destroy(vm);
    expect(await isProcessAlive(second.h.pid, second.h.pidStartTime)).toBe(false);
    expect(existsSync(jailDir)).toBe(false);
    expect(existsSync(vm.runtime.vmDir)).toBe(false);
  }, 60_000);

  it('direct launch (firecracker_bin): boot, snapshot, restore, stop, delete; every body valid', () => lifecycle('direct'), 60_000);
  it('through the jailer, files hard linked into the chroot', () => lifecycle('jailed'), 60_000);
  it('through the jailer, files from another filesystem bind mounted into the chroot', () => lifecycle('jailed-bind'), 60_000);
});

describe('firecracker_bin', () => {
  it('a missing binary fails the launch naming the setting and the fix, before anything starts', async () => {
    const driver = createFirecrackerDriver({ binary: '/nonexistent/firecracker' });
    const spec = { vmId: 'a'.repeat(32), name: 'x', vcpuCount: 1, memoryMiB: 64, kernelPath: '/k', kernelArgs: '', rootDisk: { path: '/r', format: 'raw' as const }, apiSockPath: '/nonexistent/a.sock', agentSockPath: '/nonexistent/v.sock', logPath: '/nonexistent/c.log' };
    const err = await driver.launch(spec).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(VmmError);
    expect((err as VmmError).code).toBe('vmm.binary_missing');
    expect((err as VmmError).message).toContain('firecracker_bin /nonexistent/firecracker');
    expect((err as VmmError).hint).toMatch(/firecracker_bin in config.toml/);
  });

  it('decides whether Firecracker is installed (vmm = "auto") from firecracker_bin when set, else PATH', async () => {
    expect(await firecrackerInstalled('/nonexistent/firecracker')).toBe(false);
    expect(await firecrackerInstalled(process.execPath)).toBe(true);
    expect(await findFirecracker(undefined, { PATH: '/nonexistent' })).toBeUndefined();
  });
});

describe('the API description (test/fixtures/firecracker/api.schema.json)', () => {
  it('rejects what Firecracker rejects: unknown fields, missing required ones, bad enums, CID < 3, both memory sources', () => {
    expect(fcBodyProblem('PUT', '/boot-source', { kernel_image_path: '/k', extra: 1 })).toMatch(/additional properties/);
    expect(fcBodyProblem('PUT', '/drives/rootfs', { drive_id: 'rootfs', path_on_host: '/r' })).toMatch(/is_root_device/);
    expect(fcBodyProblem('PUT', '/drives/rootfs', { drive_id: 'other', is_root_device: true })).toMatch(/path id/);
    expect(fcBodyProblem('PUT', '/actions', { action_type: 'Stop' })).toMatch(/allowed values/);
    expect(fcBodyProblem('PUT', '/vsock', { guest_cid: 2, uds_path: '/v' })).toMatch(/>= 3/);
    expect(fcBodyProblem('PATCH', '/vm', { state: 'Running' })).toMatch(/allowed values/);
    expect(fcBodyProblem('PUT', '/snapshot/load', { snapshot_path: '/s', mem_file_path: '/m', mem_backend: { backend_type: 'File', backend_path: '/m' } })).toBeTruthy();
    expect(fcBodyProblem('PUT', '/snapshot/load', { snapshot_path: '/s' })).toBeTruthy();
    expect(fcBodyProblem('PUT', '/balloon', { amount_mib: 1, deflate_on_oom: true })).toMatch(/not an endpoint banger may call/);
    expect(fcBodyProblem('PUT', '/machine-config', { vcpu_count: 2, mem_size_mib: 128, smt: false, track_dirty_pages: false })).toBeUndefined();
  });
});
