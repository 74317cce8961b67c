/**
 * `vm logs --tail N` through the built CLI against a real bangerd (stand-in VMM): N counts lines,
 * a bad N is a usage error naming the fix, and --follow after --tail prints what is appended.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { CLI_MAIN } from '../../helpers/rig.js';

const missing = requiresNetns();

describe.skipIf(missing !== null)('banger vm logs --tail (lines)', () => {
  let d: NetnsDaemon;
  let logPath: string;
  const cli = (args: string[]) => d.cli(args);
  const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `console line ${from + i}\n`).join('');

  beforeAll(async () => {
    d = new NetnsDaemon({ netnsTag: 'logs' });
    await d.start();
    // Not started: nothing but this test writes its console log.
    const created = await cli(['vm', 'create', '--name', 'lg', '--no-start']);
    expect(created.code, created.stderr).toBe(0);
    const shown = JSON.parse((await cli(['vm', 'show', 'lg', '--json'])).stdout) as { data?: unknown };
    const vm = (shown.data ?? shown) as { runtime: { logPath: string } };
    logPath = vm.runtime.logPath;
    mkdirSync(dirname(logPath), { recursive: true });
    writeFileSync(logPath, lines(1, 500));
  }, 60_000);
  afterAll(async () => {
    await d?.cleanup();
  }, 60_000);

  it('prints the last N lines, 200 by default, none for 0', async () => {
    expect(await cli(['vm', 'logs', 'lg', '--tail', '3'])).toMatchObject({ code: 0, stdout: lines(498, 500) });
    expect(await cli(['vm', 'logs', 'lg', '-n', '1'])).toMatchObject({ code: 0, stdout: lines(500, 500) });
    expect((await cli(['vm', 'logs', 'lg'])).stdout).toBe(lines(301, 500));
    expect(await cli(['vm', 'logs', 'lg', '--tail', '0'])).toMatchObject({ code: 0, stdout: '' });
    expect((await cli(['vm', 'logs', 'lg', '--tail', '100000'])).stdout).toBe(lines(1, 500));
  }, 60_000);

  it.each(['-1', '1.5', 'ten', '', '99999999'])('refuses --tail %j before asking the daemon, naming the fix', async (bad) => {
    const r = await cli(['vm', 'logs', 'lg', '--tail', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`banger: --tail ${JSON.stringify(bad)} is not a number of lines\n  hint: give a whole number of lines from 0 to 1000000, e.g. --tail 50 (0 prints none, for --follow)\n`);
  });

  it('--follow after --tail prints the tail, then what is appended', async () => {
    const child = spawn(process.execPath, [CLI_MAIN, 'vm', 'logs', 'lg', '--tail', '2', '--follow'], { env: d.temp.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const until = async (want: string) => {
      const deadline = Date.now() + 10_000;
      while (out !== want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(out).toBe(want);
    };
    try {
      await until(lines(499, 500));
      appendFileSync(logPath, lines(501, 502));
      await until(lines(499, 502));
    } finally {
      child.kill('SIGINT');
    }
    await new Promise((r) => child.once('exit', r));
  }, 30_000);
});
