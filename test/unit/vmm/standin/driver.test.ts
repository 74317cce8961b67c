import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { VmmError } from '../../../../src/errors/index.js';
import { isProcessAlive, readProcStat } from '../../../../src/host/proc/index.js';
import type { VmmLaunchSpec, VmmProcessHandle, VmmSnapshotRequest } from '../../../../src/model/vmm.js';
import { createStandinDriver, type StandinBehaviour } from '../../../../src/vmm/standin/driver.js';

/** The stand-in VMM is a real process: pause/resume are SIGSTOP/SIGCONT, visible in /proc (#15). */

const dir = mkdtempSync(join(tmpdir(), 'banger-standin-'));
let n = 0;
const specFor = (name: string): VmmLaunchSpec => ({
  vmId: `standin${n++}`,
  name,
  vcpuCount: 1,
  memoryMiB: 128,
  kernelPath: '/nonexistent',
  kernelArgs: 'standin',
  rootDisk: { path: join(dir, 'system.img'), format: 'raw' },
  apiSockPath: join(dir, name, 'api.sock'),
  agentSockPath: join(dir, name, 'agent.sock'),
  logPath: join(dir, name, 'console.log'),
});

const state = (pid: number): string | undefined => readProcStat(pid)?.state;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stand-in driver pause/resume (#15)', () => {
  const driver = createStandinDriver();
  const handles: VmmProcessHandle[] = [];
  const launch = async (name: string): Promise<VmmProcessHandle> => {
    const spec = specFor(name);
    await driver.prepare(spec);
    const h = await driver.launch(spec);
    handles.push(h);
    return h;
  };
  afterEach(async () => {
    for (const h of handles.splice(0)) await driver.kill(h);
  });

  it('pause stops the process (state T) and resume lets it run, both idempotent', async () => {
    const h = await launch('pr');
    expect(await driver.inspect(h)).toEqual({ alive: true, status: 'running' });
    await driver.pause(h);
    expect(state(h.pid)).toBe('T');
    expect(await driver.inspect(h)).toEqual({ alive: true, status: 'paused' });
    await driver.pause(h);
    expect(state(h.pid)).toBe('T');
    await driver.resume(h);
    expect(state(h.pid)).not.toBe('T');
    expect(await driver.inspect(h)).toEqual({ alive: true, status: 'running' });
    await driver.resume(h);
    expect(state(h.pid)).toMatch(/^[RS]$/);
  }, 15_000);

  it('reports a paused process found by argv (no recorded start time) as paused', async () => {
    const h = await launch('argv');
    await driver.pause(h);
    expect(await driver.inspect({ pid: h.pid, apiSockPath: h.apiSockPath })).toEqual({ alive: true, status: 'paused' });
  }, 15_000);

  it('stop of a paused stand-in continues it and it exits gracefully', async () => {
    const h = await launch('stop-paused');
    await driver.pause(h);
    expect(await driver.stop(h, { timeoutMs: 5000 })).toBe('graceful');
    expect(await isProcessAlive(h.pid, h.pidStartTime)).toBe(false);
    expect(await driver.inspect(h)).toEqual({ alive: false, status: 'gone' });
  }, 15_000);

  it('refuses pause/resume of a gone process, or of a reused pid, with a hint', async () => {
    const h = await launch('gone');
    // Same pid, other start time: not our process, so no signal is sent.
    const reused = { ...h, pidStartTime: (h.pidStartTime ?? 0) + 1 };
    for (const call of [() => driver.pause(reused), () => driver.resume(reused)]) {
      const err = await call().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(VmmError);
      expect((err as VmmError).code).toBe('vmm.not_running');
      expect((err as VmmError).hint).toBeTruthy();
    }
    expect(state(h.pid)).not.toBe('T');
    await driver.kill(h);
    await expect(driver.pause(h)).rejects.toBeInstanceOf(VmmError);
    await expect(driver.resume(h)).rejects.toThrow(/not running/);
  }, 15_000);
});

describe('stand-in driver snapshot and restore (#15)', () => {
  const behaviours = new Map<string, StandinBehaviour>();
  const driver = createStandinDriver((name) => behaviours.get(name) ?? {});
  const handles: VmmProcessHandle[] = [];
  const launch = async (spec: VmmLaunchSpec): Promise<VmmProcessHandle> => {
    await driver.prepare(spec);
    const h = await driver.launch(spec);
    handles.push(h);
    return h;
  };
  /** A snapshot dir with a placeholder root disk; the work disk's active file does not exist (so it is skipped). */
  const request = (name: string): VmmSnapshotRequest => {
    const d = join(dir, `snap-${name}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'system.img'), 'placeholder');
    return {
      statePath: join(d, 'vm.state'),
      memoryPath: join(d, 'vm.mem'),
      disks: [
        { drive: 'root', activePath: join(d, 'system.img'), frozenPath: join(d, 'system.frozen') },
        { drive: 'work', activePath: join(d, 'missing-work.img'), frozenPath: join(d, 'work.frozen') },
      ],
    };
  };
  afterEach(async () => {
    for (const h of handles.splice(0)) await driver.kill(h);
  });

  it('writes a state file and copies existing disks while stopped, resumes, and a restore launch finds the state', async () => {
    const spec = specFor('snap');
    const h = await launch(spec);
    const req = request('snap');
    const res = await driver.snapshot(h, req);
    const state = JSON.parse(readFileSync(req.statePath, 'utf8')) as { vmId: string; pid: number; takenAt: string };
    expect(state).toMatchObject({ vmId: spec.vmId, pid: h.pid });
    expect(Number.isNaN(Date.parse(state.takenAt))).toBe(false);
    expect(readFileSync(req.disks[0]!.frozenPath, 'utf8')).toBe('placeholder');
    expect(existsSync(req.disks[1]!.frozenPath)).toBe(false);
    expect(res.stateBytes).toBe(readFileSync(req.statePath).length);
    expect(res.pausedMs).toBeGreaterThanOrEqual(0);
    expect(await driver.inspect(h)).toEqual({ alive: true, status: 'running' });

    const restored = await launch({ ...specFor('restored'), restore: { statePath: req.statePath, memoryPath: req.memoryPath } });
    expect(await driver.inspect(restored)).toEqual({ alive: true, status: 'running' });
  }, 15_000);

  it('of a paused stand-in: pausedMs 0 and it stays paused', async () => {
    const h = await launch(specFor('snap-paused'));
    await driver.pause(h);
    const res = await driver.snapshot(h, request('snap-paused'));
    expect(res.pausedMs).toBe(0);
    expect(state(h.pid)).toBe('T');
  }, 15_000);

  it('a failing snapshot removes its files and continues the process', async () => {
    behaviours.set('snap-fail', { snapshot: { fail: 'disk full' } });
    const h = await launch(specFor('snap-fail'));
    const req = request('snap-fail');
    await expect(driver.snapshot(h, req)).rejects.toThrow(/disk full/);
    expect(existsSync(req.statePath)).toBe(false);
    expect(existsSync(req.disks[0]!.frozenPath)).toBe(false);
    expect(state(h.pid)).not.toBe('T');
  }, 15_000);

  it('refuses a restore whose state file is missing, starting nothing', async () => {
    const spec = { ...specFor('no-state'), restore: { statePath: join(dir, 'nowhere', 'vm.state') } };
    await driver.prepare(spec);
    const err = await driver.launch(spec).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(VmmError);
    expect((err as VmmError).code).toBe('vmm.restore_failed');
    expect((err as VmmError).hint).toBeTruthy();
  });

  it('refuses a snapshot of a gone process', async () => {
    const h = await launch(specFor('snap-gone'));
    await driver.kill(h);
    const err = await driver.snapshot(h, request('snap-gone')).then(() => undefined, (e: unknown) => e);
    expect((err as VmmError).code).toBe('vmm.not_running');
  }, 15_000);
});
