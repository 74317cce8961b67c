import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { VmmError } from '../../../../src/errors/index.js';
import { isProcessAlive, readProcStat } from '../../../../src/host/proc/index.js';
import type { VmmLaunchSpec, VmmProcessHandle } from '../../../../src/model/vmm.js';
import { createStandinDriver } from '../../../../src/vmm/standin/driver.js';

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
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
