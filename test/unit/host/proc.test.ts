import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { listSysLinks } from '../../../src/host/network/index.js';
import { findProcesses, isProcessAlive, parseProcStat, processMetrics, processStartTime, readCmdline } from '../../../src/host/proc/index.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

/** A child whose argv carries a unique marker, like a VMM's socket path. */
function marked(marker: string): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', marker], { stdio: 'ignore' });
  children.push(c);
  return c;
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

describe('host/proc', () => {
  it('parses /proc/PID/stat even when comm holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i));
    fields[0] = 'S'; // field 3
    fields[11] = '150'; // utime (field 14)
    fields[12] = '50'; // stime
    fields[19] = '123456'; // starttime (field 22)
    fields[21] = '300'; // rss pages (field 24)
    const text = `4242 (qemu (x) y) ${fields.join(' ')}`;
    expect(parseProcStat(text)).toEqual({ state: 'S', utimeTicks: 150, stimeTicks: 50, startTime: 123456, rssPages: 300 });
    expect(parseProcStat('garbage')).toBeNull();
  });

  it('reads the start time of a live process and null once it is gone', { timeout: 10_000 }, async () => {
    const c = sleeper();
    expect(processStartTime(c.pid!)).toBeGreaterThan(0);
    c.kill('SIGKILL');
    await exited(c);
    expect(processStartTime(c.pid!)).toBeNull();
  });

  it('finds a process by an argument (the VMM socket path) and not after it exits', { timeout: 10_000 }, async () => {
    const marker = `/tmp/banger-probe-${randomBytes(6).toString('hex')}/api.sock`;
    const c = marked(marker);
    for (let i = 0; i < 100 && !(readCmdline(c.pid!) ?? []).includes(marker); i++) await new Promise((r) => setTimeout(r, 10));
    expect((await findProcesses(marker)).map((p) => p.pid)).toEqual([c.pid]);
    const start = processStartTime(c.pid!)!;
    expect(await findProcesses(marker, 'node')).toEqual([{ pid: c.pid, startTime: start }]);
    expect(await findProcesses(marker, 'qemu')).toEqual([]);
    // The pid alone is not the process: another start time is another process.
    expect(await isProcessAlive(c.pid!, start)).toBe(true);
    expect(await isProcessAlive(c.pid!, start - 1)).toBe(false);
    c.kill('SIGKILL');
    await exited(c);
    expect(await findProcesses(marker)).toEqual([]);
  });

  it('samples CPU time and RSS of a live process, undefined for a dead pid', { timeout: 10_000 }, async () => {
    const s = await processMetrics(process.pid);
    expect(s!.rssBytes).toBeGreaterThan(1 << 20);
    expect(s!.cpuTimeMs).toBeGreaterThan(0);
    const c = sleeper();
    c.kill('SIGKILL');
    await exited(c);
    expect(await processMetrics(c.pid!)).toBeUndefined();
  });

  it('lists network devices by prefix (none for an unused prefix)', async () => {
    expect(listSysLinks()).toContain('lo');
    expect(listSysLinks().filter((n) => n.startsWith(`bgzz${randomBytes(3).toString('hex')}`))).toEqual([]);
  });
});
