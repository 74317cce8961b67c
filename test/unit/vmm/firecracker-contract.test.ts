import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VmmError } from '../../../src/errors/index.js';
import type { VmmLaunchSpec } from '../../../src/model/vmm.js';
import { bootSequence } from '../../../src/vmm/firecracker/config.js';
import { configureAndStart, createFirecrackerDriver } from '../../../src/vmm/firecracker/driver.js';
import { isProcessAlive, processMetrics } from '../../../src/host/proc/index.js';
import { findVmmPid, flattenMetrics } from '../../helpers/vmm-introspect.js';

/**
 * Contract test for the Firecracker driver (no firecracker binary here): a
 * real HTTP server on the API Unix socket plays Firecracker, checks request
 * order and every body against the API (unknown fields are errors in
 * Firecracker), and answers like it. A stand-in process (a shell script
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

const EXPECTED: [string, string, unknown][] = [
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

interface Recorded {
  method: string;
  url: string;
  body: unknown;
  contentType?: string;
  host?: string;
}

function contractServer(opts: { onCtrlAltDel?: () => void; fault?: string } = {}): { server: Server; seen: Recorded[]; problems: string[] } {
  const seen: Recorded[] = [];
  const problems: string[] = [];
  let started = false;
  let paused = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const body: unknown = text ? JSON.parse(text) : undefined;
      seen.push({ method: req.method!, url: req.url!, body, contentType: req.headers['content-type'], host: req.headers.host });
      const reply = (status: number, payload?: unknown): void => {
        res.writeHead(status, payload ? { 'Content-Type': 'application/json' } : {});
        res.end(payload ? JSON.stringify(payload) : undefined);
      };
      if (req.method === 'GET' && req.url === '/') return reply(200, { app_name: 'Firecracker', id: 'x', state: started ? (paused ? 'Paused' : 'Running') : 'Not started', vmm_version: '1.16.1' });
      if (opts.fault && req.url === opts.fault) return reply(400, { fault_message: `Invalid request for ${opts.fault}` });
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
      if (started) {
        problems.push(`pre-boot call after InstanceStart: ${req.method} ${req.url}`);
        return reply(400, { fault_message: 'The requested operation is not supported after starting the microVM.' });
      }
      const idx = seen.filter((s) => s.method === 'PUT').length - 1;
      const exp = EXPECTED[idx];
      if (!exp || exp[0] !== req.method || exp[1] !== req.url) problems.push(`call ${idx}: got ${req.method} ${req.url}, expected ${exp?.[0]} ${exp?.[1]}`);
      else if (JSON.stringify(sortKeys(exp[2])) !== JSON.stringify(sortKeys(body))) problems.push(`call ${idx} ${req.url}: body ${text}`);
      if (action === 'InstanceStart') started = true;
      reply(204);
    });
  });
  return { server, seen, problems };
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

  it('flattens a metrics line', () => {
    expect(flattenMetrics('{"utc_timestamp_ms":5,"block":{"read_count":3},"x":"s"}')).toEqual({ utc_timestamp_ms: 5, 'block.read_count': 3 });
  });
});
