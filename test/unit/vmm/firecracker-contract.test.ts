import { chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VmmError } from '../../../src/errors/index.js';
import type { VmmLaunchSpec, VmmSnapshotRequest } from '../../../src/model/vmm.js';
import { bootSequence, restoreSequence } from '../../../src/vmm/firecracker/config.js';
import { configureAndStart, createFirecrackerDriver, restoreAndResume } from '../../../src/vmm/firecracker/driver.js';
import { freezeDisk, reflinkFile, type CloneFile } from '../../../src/vmm/firecracker/reflink.js';
import { isProcessAlive, processMetrics } from '../../../src/host/proc/index.js';
import { findVmmPid, flattenMetrics } from '../../helpers/vmm-introspect.js';
import { fcBodyProblem } from '../../helpers/firecracker-api.js';

/**
 * Contract test for the Firecracker driver (no firecracker binary here): a
 * real HTTP server on the API Unix socket plays Firecracker, checks request
 * order and every body against the API (unknown fields are errors in
 * Firecracker; test/fixtures/firecracker/api.schema.json), and answers like it. A stand-in process (a shell script
 * named firecracker) lets launch/stop and the pid lookup run for real.
 */

const dir = mkdtempSync(join(tmpdir(), 'banger-fc-'));
const fakeBin = join(dir, 'firecracker');
writeFileSync(fakeBin, '#!/bin/sh\nwhile :; do sleep 1; done\n');
chmodSync(fakeBin, 0o755);

const spec: VmmLaunchSpec = {
  vmId: 'fc0123456789abcdef0123456789abcd',
  name: 'fc-test',
  vcpuCount: 2,
  memoryMiB: 1024,
  kernelPath: '/img/vmlinux',
  initrdPath: '/img/initrd.img',
  kernelArgs: 'console=ttyS0 reboot=k panic=1 root=/dev/vda rw',
  rootDisk: { path: '/vm/system.raw', format: 'raw' },
  workDisk: { path: '/vm/work.ext4', format: 'raw' },
  network: { tap: 'tap-fc0', mac: '06:00:AC:10:00:09' },
  apiSockPath: join(dir, 'fc.sock'),
  agentSockPath: join(dir, 'v.sock'),
  logPath: join(dir, 'console.log'),
  metricsPath: join(dir, 'fc.metrics'),
  vsockCID: 7,
};

const EXPECTED: Expected[] = [
  ['PUT', '/logger', { log_path: join(dir, 'firecracker.log'), level: 'Info', show_level: false, show_log_origin: false }],
  ['PUT', '/metrics', { metrics_path: join(dir, 'fc.metrics') }],
  ['PUT', '/machine-config', { vcpu_count: 2, mem_size_mib: 1024, smt: false, track_dirty_pages: false }],
  ['PUT', '/boot-source', { kernel_image_path: '/img/vmlinux', boot_args: 'console=ttyS0 reboot=k panic=1 root=/dev/vda rw', initrd_path: '/img/initrd.img' }],
  ['PUT', '/drives/rootfs', { drive_id: 'rootfs', path_on_host: '/vm/system.raw', is_root_device: true, is_read_only: false }],
  ['PUT', '/drives/work', { drive_id: 'work', path_on_host: '/vm/work.ext4', is_root_device: false, is_read_only: false }],
  ['PUT', '/network-interfaces/eth0', { iface_id: 'eth0', host_dev_name: 'tap-fc0', guest_mac: '06:00:AC:10:00:09' }],
  ['PUT', '/vsock', { guest_cid: 7, uds_path: join(dir, 'v.sock') }],
  ['PUT', '/actions', { action_type: 'InstanceStart' }],
];

/** A fork restored from a snapshot: its own disks, tap and sockets, the snapshot's state and memory. */
const restoreSpec: VmmLaunchSpec = {
  ...spec,
  vmId: 'fd0123456789abcdef0123456789abcd',
  name: 'fc-fork',
  rootDisk: { path: '/fork/system.raw', format: 'raw' },
  workDisk: { path: '/fork/work.ext4', format: 'raw' },
  network: { tap: 'tap-fc1', mac: '06:00:AC:10:00:0A' },
  restore: { statePath: '/snap/1/vm.state', memoryPath: '/snap/1/vm.mem' },
};

const RESTORE_EXPECTED: Expected[] = [
  EXPECTED[0]!,
  EXPECTED[1]!,
  [
    'PUT',
    '/snapshot/load',
    {
      snapshot_path: '/snap/1/vm.state',
      mem_backend: { backend_type: 'File', backend_path: '/snap/1/vm.mem' },
      resume_vm: false,
      network_overrides: [{ iface_id: 'eth0', host_dev_name: 'tap-fc1' }],
      vsock_override: { uds_path: join(dir, 'v.sock') },
    },
  ],
  ['PATCH', '/drives/rootfs', { drive_id: 'rootfs', path_on_host: '/fork/system.raw' }],
  ['PATCH', '/drives/work', { drive_id: 'work', path_on_host: '/fork/work.ext4' }],
];

interface Recorded {
  method: string;
  url: string;
  body: unknown;
  contentType?: string;
  host?: string;
}

type Expected = [string, string, unknown];

/** The state and memory files the fake writes for PUT /snapshot/create (sizes the driver must report). */
const FAKE_STATE = 'S'.repeat(100);
const FAKE_MEMORY = 'M'.repeat(4096);

function contractServer(opts: { onCtrlAltDel?: () => void; fault?: string; expected?: Expected[] } = {}): { server: Server; seen: Recorded[]; problems: string[] } {
  const expected = opts.expected ?? EXPECTED;
  const seen: Recorded[] = [];
  const problems: string[] = [];
  let started = false;
  let paused = false;
  // Configuration calls (boot sequence, snapshot load, drive patches) are checked in order against `expected`.
  let configIdx = 0;
  const checkExpected = (method: string, url: string, body: unknown, text: string): void => {
    const idx = configIdx++;
    const exp = expected[idx];
    if (!exp || exp[0] !== method || exp[1] !== url) problems.push(`call ${idx}: got ${method} ${url}, expected ${exp?.[0]} ${exp?.[1]}`);
    else if (JSON.stringify(sortKeys(exp[2])) !== JSON.stringify(sortKeys(body))) problems.push(`call ${idx} ${url}: body ${text}`);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const body: unknown = text ? JSON.parse(text) : undefined;
      const before = seen.filter((s) => s.method !== 'GET').map((s) => `${s.method} ${s.url}`);
      seen.push({ method: req.method!, url: req.url!, body, contentType: req.headers['content-type'], host: req.headers.host });
      // Every body against the API description (../shared/docs/firecracker-api.md as a JSON Schema).
      if (req.method !== 'GET') {
        const problem = fcBodyProblem(req.method!, req.url!, body);
        if (problem) problems.push(`schema: ${problem}`);
      }
      const reply = (status: number, payload?: unknown): void => {
        res.writeHead(status, payload ? { 'Content-Type': 'application/json' } : {});
        res.end(payload ? JSON.stringify(payload) : undefined);
      };
      if (req.method === 'GET' && req.url === '/') return reply(200, { app_name: 'Firecracker', id: 'x', state: started ? (paused ? 'Paused' : 'Running') : 'Not started', vmm_version: '1.16.1' });
      if (opts.fault && req.url === opts.fault) {
        // A create that fails midway leaves what it had written.
        if (req.url === '/snapshot/create') writeSnapshotFiles(body, 'partial');
        return reply(400, { fault_message: `Invalid request for ${opts.fault}` });
      }
      // PATCH /vm {"state":"Paused"|"Resumed"}: post-boot only; a paused or resumed VM accepts the same state again.
      if (req.method === 'PATCH' && req.url === '/vm') {
        if (!started) return reply(400, { fault_message: 'The requested operation is not supported before starting the microVM.' });
        const state = (body as { state?: unknown } | undefined)?.state;
        if (JSON.stringify(body) !== JSON.stringify({ state }) || (state !== 'Paused' && state !== 'Resumed')) {
          problems.push(`PATCH /vm: body ${text}`);
          return reply(400, { fault_message: 'An error occurred when deserializing the json body of a request' });
        }
        paused = state === 'Paused';
        return reply(204);
      }
      const action = (body as { action_type?: string } | undefined)?.action_type;
      if (req.url === '/actions' && action === 'SendCtrlAltDel') {
        if (!started) problems.push('SendCtrlAltDel before InstanceStart');
        reply(204);
        // Frozen vCPUs never see the key press: the guest does not react.
        if (paused) problems.push('SendCtrlAltDel to a paused VM');
        else opts.onCtrlAltDel?.();
        return;
      }
      if (req.url === '/actions' && action === 'FlushMetrics') return reply(204);
      // PUT /snapshot/create: exactly these fields (deny_unknown_fields), of a started VM that is paused.
      if (req.method === 'PUT' && req.url === '/snapshot/create') {
        if (!started || !paused) problems.push(`snapshot/create of a ${started ? 'running' : 'not started'} VM`);
        const b = body as Record<string, unknown>;
        if (
          Object.keys(b).sort().join(',') !== 'mem_file_path,snapshot_path,snapshot_type' ||
          b.snapshot_type !== 'Full' || typeof b.snapshot_path !== 'string' || typeof b.mem_file_path !== 'string'
        ) {
          problems.push(`snapshot/create: body ${text}`);
          return reply(400, { fault_message: 'An error occurred when deserializing the json body of a request' });
        }
        writeSnapshotFiles(body, 'full');
        return reply(204);
      }
      // PATCH /drives/{id} (PartialDrive) only after boot or load.
      if (req.method === 'PATCH' && req.url!.startsWith('/drives/')) {
        if (!started) {
          problems.push(`${req.url} patched before start`);
          return reply(400, { fault_message: 'The requested operation is not supported before starting the microVM.' });
        }
        checkExpected(req.method, req.url!, body, text);
        return reply(204);
      }
      if (started) {
        problems.push(`pre-boot call after InstanceStart: ${req.method} ${req.url}`);
        return reply(400, { fault_message: 'The requested operation is not supported after starting the microVM.' });
      }
      checkExpected(req.method!, req.url!, body, text);
      // A load is accepted only by a fresh process with nothing but logger and metrics configured.
      if (req.url === '/snapshot/load') {
        const other = before.filter((c) => c !== 'PUT /logger' && c !== 'PUT /metrics');
        if (other.length > 0) problems.push(`snapshot/load after ${other.join(', ')}`);
        started = true;
        paused = (body as { resume_vm?: boolean }).resume_vm !== true;
      }
      if (action === 'InstanceStart') started = true;
      reply(204);
    });
  });
  return { server, seen, problems };
}

function writeSnapshotFiles(body: unknown, how: 'full' | 'partial'): void {
  const b = body as { snapshot_path?: string; mem_file_path?: string };
  if (b.snapshot_path) writeFileSync(b.snapshot_path, how === 'full' ? FAKE_STATE : 'S');
  if (b.mem_file_path) writeFileSync(b.mem_file_path, how === 'full' ? FAKE_MEMORY : 'M');
}

function sortKeys(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)]));
}

const listen = (s: Server): Promise<void> => new Promise((r) => s.listen(spec.apiSockPath, r));
const close = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

describe('Firecracker driver against a contract server', () => {
  let srv: ReturnType<typeof contractServer> | undefined;
  beforeEach(() => rmSync(spec.apiSockPath, { force: true }));
  afterEach(async () => {
    if (srv) await close(srv.server);
    srv = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends the boot sequence in order with exact bodies', async () => {
    srv = contractServer();
    await listen(srv.server);
    await configureAndStart(spec);
    expect(srv.problems).toEqual([]);
    expect(srv.seen.map((s) => `${s.method} ${s.url}`)).toEqual(EXPECTED.map(([m, p]) => `${m} ${p}`));
    expect(srv.seen.every((s) => s.host === 'localhost' && s.contentType === 'application/json')).toBe(true);
  });

  it('launches, finds the pid from its socket, stops with SendCtrlAltDel, leaves no process', async () => {
    const driver = createFirecrackerDriver({ binary: fakeBin, launchTimeoutMs: 5000 });
    await driver.prepare(spec);
    let pid = 0;
    srv = contractServer({ onCtrlAltDel: () => process.kill(pid, 'SIGTERM') });
    await listen(srv.server);
    const h = await driver.launch(spec);
    pid = h.pid;
    try {
      expect(srv.problems).toEqual([]);
      expect(await driver.inspect(h)).toEqual({ alive: true, status: 'Running' });
      expect(await findVmmPid('firecracker', spec.apiSockPath)).toBe(h.pid);
      expect((await processMetrics(h.pid))?.rssBytes).toBeGreaterThan(0);
      expect(await driver.stop(h, { timeoutMs: 5000 })).toBe('graceful');
      expect(srv.seen.at(-1)?.body).toEqual({ action_type: 'SendCtrlAltDel' });
      expect(await isProcessAlive(h.pid, h.pidStartTime)).toBe(false);
      expect(await driver.stop(h)).toBe('already-stopped');
    } finally {
      await driver.kill(h);
    }
  }, 20_000);

  it('pauses and resumes with PATCH /vm, idempotently, and inspect reports the state (#15)', async () => {
    const driver = createFirecrackerDriver({ binary: fakeBin, launchTimeoutMs: 5000 });
    srv = contractServer();
    await listen(srv.server);
    const h = await driver.launch(spec);
    try {
      const before = srv.seen.length;
      await driver.pause(h);
      expect(await driver.inspect(h)).toEqual({ alive: true, status: 'Paused' });
      await driver.pause(h);
      await driver.resume(h);
      expect(await driver.inspect(h)).toEqual({ alive: true, status: 'Running' });
      await driver.resume(h);
      expect(srv.problems).toEqual([]);
      expect(srv.seen.slice(before).filter((s) => s.method !== 'GET').map((s) => [s.method, s.url, s.body, s.contentType])).toEqual([
        ['PATCH', '/vm', { state: 'Paused' }, 'application/json'],
        ['PATCH', '/vm', { state: 'Paused' }, 'application/json'],
        ['PATCH', '/vm', { state: 'Resumed' }, 'application/json'],
        ['PATCH', '/vm', { state: 'Resumed' }, 'application/json'],
      ]);
    } finally {
      await driver.kill(h);
    }
  }, 20_000);

  it('stops a paused VM: Resumed, then SendCtrlAltDel, gracefully (#15)', async () => {
    const driver = createFirecrackerDriver({ binary: fakeBin, launchTimeoutMs: 5000 });
    let pid = 0;
    srv = contractServer({ onCtrlAltDel: () => process.kill(pid, 'SIGTERM') });
    await listen(srv.server);
    const h = await driver.launch(spec);
    pid = h.pid;
    try {
      const before = srv.seen.length;
      await driver.pause(h);
      expect(await driver.stop(h, { timeoutMs: 5000 })).toBe('graceful');
      expect(srv.problems).toEqual([]);
      expect(srv.seen.slice(before).filter((s) => s.method !== 'GET').map((s) => [s.method, s.url, s.body])).toEqual([
        ['PATCH', '/vm', { state: 'Paused' }],
        ['PATCH', '/vm', { state: 'Resumed' }],
        ['PUT', '/actions', { action_type: 'SendCtrlAltDel' }],
      ]);
      expect(await isProcessAlive(h.pid, h.pidStartTime)).toBe(false);
    } finally {
      await driver.kill(h);
    }
  }, 20_000);

  it('fails pause with the fault message when Firecracker rejects it (#15)', async () => {
    const driver = createFirecrackerDriver({ binary: fakeBin, launchTimeoutMs: 5000 });
    srv = contractServer({ fault: '/vm' });
    await listen(srv.server);
    const h = await driver.launch(spec);
    try {
      const err = await driver.pause(h).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(VmmError);
      expect((err as VmmError).message).toMatch(/firecracker rejected PATCH \/vm: Invalid request for \/vm/);
      expect((err as VmmError).hint).toBeTruthy();
    } finally {
      await driver.kill(h);
    }
  }, 20_000);

  it('refuses pause and resume of a dead VMM with a hint, sending nothing (#15)', async () => {
    const driver = createFirecrackerDriver({ binary: fakeBin, launchTimeoutMs: 5000 });
    srv = contractServer();
    await listen(srv.server);
    const h = await driver.launch(spec);
    await driver.kill(h);
    const before = srv.seen.length;
    for (const call of [() => driver.pause(h), () => driver.resume(h)]) {
      const err = await call().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(VmmError);
      expect((err as VmmError).code).toBe('vmm.not_running');
      expect((err as VmmError).hint).toMatch(/start/);
    }
    expect(srv.seen.length).toBe(before);
  }, 20_000);

  it('kills after the bound when the guest ignores ctrl-alt-del', async () => {
    const driver = createFirecrackerDriver({ binary: fakeBin });
    srv = contractServer();
    await listen(srv.server);
    const h = await driver.launch(spec);
    expect(await driver.stop(h, { timeoutMs: 300 })).toBe('killed');
    expect(await isProcessAlive(h.pid, h.pidStartTime)).toBe(false);
  }, 20_000);

  it('fails launch with the fault message and leaves no process when Firecracker rejects a call', async () => {
    const driver = createFirecrackerDriver({ binary: fakeBin });
    srv = contractServer({ fault: '/drives/rootfs' });
    await listen(srv.server);
    await expect(driver.launch(spec)).rejects.toThrow(/firecracker rejected PUT \/drives\/rootfs: Invalid request for \/drives\/rootfs/);
    expect(await findVmmPid('firecracker', spec.apiSockPath)).toBeUndefined();
  }, 20_000);

  it('refuses a qcow2 root disk and a reserved CID before calling the API', () => {
    expect(() => bootSequence({ ...spec, rootDisk: { path: '/x', format: 'qcow2' } }, '/l')).toThrow(/raw root disk/);
    expect(() => bootSequence({ ...spec, vsockCID: 2 }, '/l')).toThrow(/reserved/);
  });

  describe('snapshot (#15)', () => {
    let n = 0;
    /** Fresh disks and an empty snapshot dir per test; `frozen` paths are where the clones go. */
    const request = (): VmmSnapshotRequest => {
      const d = join(dir, `snap${n++}`);
      mkdirSync(d);
      writeFileSync(join(d, 'active-root.raw'), 'root-data');
      writeFileSync(join(d, 'active-work.raw'), 'work-data');
      mkdirSync(join(d, 'out'));
      return {
        statePath: join(d, 'out', 'vm.state'),
        memoryPath: join(d, 'out', 'vm.mem'),
        disks: [
          { drive: 'root', activePath: join(d, 'active-root.raw'), frozenPath: join(d, 'out', 'system.raw') },
          { drive: 'work', activePath: join(d, 'active-work.raw'), frozenPath: join(d, 'out', 'work.raw') },
        ],
      };
    };
    const outFiles = (req: VmmSnapshotRequest): string[] => [req.statePath, req.memoryPath, ...req.disks.map((x) => x.frozenPath)];
    const nonGet = (from: number): [string, string, unknown][] => srv!.seen.slice(from).filter((x) => x.method !== 'GET').map((x) => [x.method, x.url, x.body]);
    /** This host has no reflinks (ext4): a plain exclusive copy stands in, recording what the API had seen when it ran. */
    const copyingClone = (log: string[]): CloneFile => async (src, dst) => {
      log.push(`${src} -> ${dst} after ${srv!.seen.filter((x) => x.method !== 'GET').map((x) => `${x.method} ${x.url}`).at(-1)}`);
      await new Promise((r) => setTimeout(r, 20));
      await copyFile(src, dst, constants.COPYFILE_EXCL);
    };
    const launched = async (clone: CloneFile, opts: { fault?: string } = {}) => {
      const driver = createFirecrackerDriver({ binary: fakeBin, launchTimeoutMs: 5000, cloneFile: clone });
      srv = contractServer(opts);
      await listen(srv.server);
      const h = await driver.launch(spec);
      return { driver, h, from: srv.seen.length };
    };

    it('of a running VM: pause, create with exact body, freeze each disk while paused, resume', async () => {
      const log: string[] = [];
      const { driver, h, from } = await launched(copyingClone(log));
      try {
        const req = request();
        const res = await driver.snapshot(h, req);
        expect(srv!.problems).toEqual([]);
        expect(nonGet(from)).toEqual([
          ['PATCH', '/vm', { state: 'Paused' }],
          ['PUT', '/snapshot/create', { snapshot_type: 'Full', snapshot_path: req.statePath, mem_file_path: req.memoryPath }],
          ['PATCH', '/vm', { state: 'Resumed' }],
        ]);
        // The state is read first, to know whether to pause (and resume).
        expect(srv!.seen[from]).toMatchObject({ method: 'GET', url: '/' });
        expect(log).toEqual(req.disks.map((x) => `${x.activePath} -> ${x.frozenPath} after PUT /snapshot/create`));
        expect(readFileSync(req.disks[0]!.frozenPath, 'utf8')).toBe('root-data');
        expect(readFileSync(req.disks[1]!.frozenPath, 'utf8')).toBe('work-data');
        expect(res.stateBytes).toBe(FAKE_STATE.length + FAKE_MEMORY.length);
        // Two 20 ms clones happen between the pause and resume answers.
        expect(res.pausedMs).toBeGreaterThanOrEqual(35);
        expect(await driver.inspect(h)).toEqual({ alive: true, status: 'Running' });
      } finally {
        await driver.kill(h);
      }
    }, 20_000);

    it('of an already paused VM: no pause, no resume, pausedMs 0, stays paused', async () => {
      const { driver, h } = await launched(copyingClone([]));
      try {
        await driver.pause(h);
        const from = srv!.seen.length;
        const req = request();
        const res = await driver.snapshot(h, req);
        expect(srv!.problems).toEqual([]);
        expect(nonGet(from)).toEqual([['PUT', '/snapshot/create', { snapshot_type: 'Full', snapshot_path: req.statePath, mem_file_path: req.memoryPath }]]);
        expect(res).toEqual({ pausedMs: 0, stateBytes: FAKE_STATE.length + FAKE_MEMORY.length });
        expect(await driver.inspect(h)).toEqual({ alive: true, status: 'Paused' });
      } finally {
        await driver.kill(h);
      }
    }, 20_000);

    it('rejected by Firecracker: the VM is resumed, partial files removed, the error carries fault_message', async () => {
      const log: string[] = [];
      const { driver, h, from } = await launched(copyingClone(log), { fault: '/snapshot/create' });
      try {
        const req = request();
        const err = await driver.snapshot(h, req).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(VmmError);
        expect((err as VmmError).message).toMatch(/firecracker rejected PUT \/snapshot\/create: Invalid request for \/snapshot\/create/);
        expect((err as VmmError).hint).toBeTruthy();
        expect(nonGet(from).map(([m, u, b]) => `${m} ${u} ${JSON.stringify(b)}`)).toEqual([
          'PATCH /vm {"state":"Paused"}',
          expect.stringMatching(/^PUT \/snapshot\/create /),
          'PATCH /vm {"state":"Resumed"}',
        ]);
        expect(log).toEqual([]);
        expect(outFiles(req).filter((f) => existsSync(f))).toEqual([]);
        expect(await driver.inspect(h)).toEqual({ alive: true, status: 'Running' });
      } finally {
        await driver.kill(h);
      }
    }, 20_000);

    it('on a filesystem without reflinks: snapshot_unsupported naming the directory, VM resumed, files removed', async () => {
      let calls = 0;
      // The first disk clones, the second hits the filesystem's refusal.
      const clone: CloneFile = async (src, dst) => {
        if (calls++ === 0) return copyFile(src, dst);
        throw Object.assign(new Error('EOPNOTSUPP: operation not supported on socket, copyfile'), { code: 'EOPNOTSUPP', errno: -95 });
      };
      const { driver, h, from } = await launched(clone);
      try {
        const req = request();
        const err = await driver.snapshot(h, req).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(VmmError);
        expect((err as VmmError).code).toBe('vmm.snapshot_unsupported');
        expect((err as VmmError).hint).toMatch(/state directory on a filesystem with reflinks \(XFS or btrfs\)/);
        expect((err as VmmError).hint).toContain(join(req.statePath, '..'));
        expect(nonGet(from).at(-1)).toEqual(['PATCH', '/vm', { state: 'Resumed' }]);
        expect(calls).toBe(2);
        expect(outFiles(req).filter((f) => existsSync(f))).toEqual([]);
        // The VM's own disks are untouched.
        expect(readFileSync(req.disks[0]!.activePath, 'utf8')).toBe('root-data');
        expect(await driver.inspect(h)).toEqual({ alive: true, status: 'Running' });
      } finally {
        await driver.kill(h);
      }
    }, 20_000);

    it('cancelled midway: vmm.aborted, VM resumed, files removed', async () => {
      const ac = new AbortController();
      const clone: CloneFile = async (src, dst) => {
        await copyFile(src, dst);
        ac.abort();
      };
      const { driver, h, from } = await launched(clone);
      try {
        const req = request();
        const err = await driver.snapshot(h, req, { signal: ac.signal }).then(() => undefined, (e: unknown) => e);
        expect((err as VmmError).code).toBe('vmm.aborted');
        expect(nonGet(from).at(-1)).toEqual(['PATCH', '/vm', { state: 'Resumed' }]);
        expect(outFiles(req).filter((f) => existsSync(f))).toEqual([]);
        expect(await driver.inspect(h)).toEqual({ alive: true, status: 'Running' });
      } finally {
        await driver.kill(h);
      }
    }, 20_000);

    it('refuses a dead VMM, and target files that exist, sending nothing and removing nothing', async () => {
      const { driver, h, from } = await launched(copyingClone([]));
      try {
        const req = request();
        writeFileSync(req.disks[1]!.frozenPath, 'older frozen disk');
        const err = await driver.snapshot(h, req).then(() => undefined, (e: unknown) => e);
        expect((err as VmmError).code).toBe('vmm.snapshot_failed');
        expect((err as VmmError).message).toContain(req.disks[1]!.frozenPath);
        expect(readFileSync(req.disks[1]!.frozenPath, 'utf8')).toBe('older frozen disk');
        expect(nonGet(from)).toEqual([]);
      } finally {
        await driver.kill(h);
      }
      const before = srv!.seen.length;
      const err = await driver.snapshot(h, request()).then(() => undefined, (e: unknown) => e);
      expect((err as VmmError).code).toBe('vmm.not_running');
      expect(srv!.seen.length).toBe(before);
    }, 20_000);

    it('freezes with a real FICLONE where the filesystem has reflinks, else says it needs them', async () => {
      const d = join(dir, 'reflink');
      mkdirSync(d);
      writeFileSync(join(d, 'a.raw'), 'abc');
      const res = await freezeDisk(reflinkFile, join(d, 'a.raw'), join(d, 'b.raw')).then(() => undefined, (e: unknown) => e);
      if (res === undefined) {
        expect(readFileSync(join(d, 'b.raw'), 'utf8')).toBe('abc');
      } else {
        // ext4 and tmpfs (this CI host) refuse FICLONE; nothing is left at the target.
        expect((res as VmmError).code).toBe('vmm.snapshot_unsupported');
        expect((res as VmmError).hint).toContain(d);
        expect(existsSync(join(d, 'b.raw'))).toBe(false);
      }
      // Never over an existing frozen disk.
      writeFileSync(join(d, 'c.raw'), 'keep');
      const exists = await freezeDisk(reflinkFile, join(d, 'a.raw'), join(d, 'c.raw')).then(() => undefined, (e: unknown) => e);
      expect(exists).toBeInstanceOf(VmmError);
      expect(readFileSync(join(d, 'c.raw'), 'utf8')).toBe('keep');
    });
  });

  describe('restore (#15)', () => {
    it('sends logger/metrics, snapshot/load with overrides, drive patches, then Resumed: no boot-source', async () => {
      srv = contractServer({ expected: RESTORE_EXPECTED });
      await listen(srv.server);
      await restoreAndResume(restoreSpec);
      expect(srv.problems).toEqual([]);
      expect(srv.seen.map((x) => [x.method, x.url, x.body])).toEqual([
        ...RESTORE_EXPECTED,
        ['PATCH', '/vm', { state: 'Resumed' }],
      ]);
      expect(srv.seen.some((x) => /boot-source|machine-config|network-interfaces|vsock|actions/.test(x.url))).toBe(false);
    });

    it('launches from a snapshot: a fresh process restored and running', async () => {
      const driver = createFirecrackerDriver({ binary: fakeBin, launchTimeoutMs: 5000 });
      await driver.prepare(restoreSpec);
      srv = contractServer({ expected: RESTORE_EXPECTED });
      await listen(srv.server);
      const h = await driver.launch(restoreSpec);
      try {
        expect(srv.problems).toEqual([]);
        expect(srv.seen.filter((x) => x.method !== 'GET').map((x) => `${x.method} ${x.url}`)).toEqual([
          'PUT /logger', 'PUT /metrics', 'PUT /snapshot/load', 'PATCH /drives/rootfs', 'PATCH /drives/work', 'PATCH /vm',
        ]);
        expect(await driver.inspect(h)).toEqual({ alive: true, status: 'Running' });
      } finally {
        await driver.kill(h);
      }
    }, 20_000);

    it('refuses a restore without a memory file before starting a process', async () => {
      const driver = createFirecrackerDriver({ binary: fakeBin, launchTimeoutMs: 5000 });
      srv = contractServer({ expected: RESTORE_EXPECTED });
      await listen(srv.server);
      const err = await driver.launch({ ...restoreSpec, restore: { statePath: '/snap/1/vm.state' } }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(VmmError);
      expect((err as VmmError).code).toBe('vmm.restore_failed');
      expect((err as VmmError).message).toMatch(/no memory file/);
      expect((err as VmmError).hint).toBeTruthy();
      expect(srv.seen).toEqual([]);
      expect(await findVmmPid('firecracker', restoreSpec.apiSockPath)).toBeUndefined();
    });

    for (const fault of ['/snapshot/load', '/drives/work']) {
      it(`kills the process when ${fault} is rejected, with Firecracker's fault`, async () => {
        const driver = createFirecrackerDriver({ binary: fakeBin, launchTimeoutMs: 5000 });
        srv = contractServer({ expected: RESTORE_EXPECTED, fault });
        await listen(srv.server);
        const err = await driver.launch(restoreSpec).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(VmmError);
        expect((err as VmmError).code).toBe('vmm.restore_failed');
        expect((err as VmmError).message).toContain(`Invalid request for ${fault}`);
        expect((err as VmmError).hint).toMatch(/Firecracker version, host kernel and CPU/);
        expect(srv.seen.some((x) => x.url === '/vm')).toBe(false);
        expect(await findVmmPid('firecracker', restoreSpec.apiSockPath)).toBeUndefined();
      }, 20_000);
    }

    it('omits network_overrides without a network, and refuses a qcow2 root', () => {
      const calls = restoreSequence({ ...restoreSpec, network: undefined, workDisk: undefined, metricsPath: undefined }, '/l');
      expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['PUT /logger', 'PUT /snapshot/load', 'PATCH /drives/rootfs', 'PATCH /vm']);
      expect(calls[1]!.body).not.toHaveProperty('network_overrides');
      expect(() => restoreSequence({ ...restoreSpec, rootDisk: { path: '/x', format: 'qcow2' } }, '/l')).toThrow(/raw root disk/);
    });
  });

  it('flattens a metrics line', () => {
    expect(flattenMetrics('{"utc_timestamp_ms":5,"block":{"read_count":3},"x":"s"}')).toEqual({ utc_timestamp_ms: 5, 'block.read_count': 3 });
  });
});
