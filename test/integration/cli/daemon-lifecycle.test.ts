import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliRig, DAEMON_MAIN, isAlive, processesUnder, waitGone } from '../../helpers/index.js';
import { jsonData } from '../../helpers/cli-json.js';

/** `vm list --json` on no VMs, byte for byte: one line, one document. */
const EMPTY_VM_LIST = '{"apiVersion":"banger.cli/v1","command":"vm list","ok":true,"data":[]}\n';

let rig: CliRig;
beforeEach(() => (rig = new CliRig()));
afterEach(async () => rig.cleanup(), 20_000);

describe('banger CLI ↔ bangerd lifecycle (fresh XDG dirs)', () => {
  it('vm list auto-starts the daemon; status shows its pid; stop removes the socket', async () => {
    const list = await rig.cli(['vm', 'list', '--json']);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(jsonData(list.stdout)).toEqual([]);
    const pid = rig.daemonPid();
    expect(pid).toBeDefined();
    expect(isAlive(pid!)).toBe(true);
    expect(statSync(rig.layout.daemonSocket).mode & 0o777).toBe(0o600);
    expect(statSync(rig.layout.daemonLog).mode & 0o777).toBe(0o600);

    const status = await rig.cli(['daemon', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(jsonData(status.stdout)).toMatchObject({ running: true, pid, socket: rig.layout.daemonSocket, vmCount: 0 });
    const human = await rig.cli(['daemon', 'status']);
    expect(human.stdout).toContain(`running (pid ${pid})`);

    const stop = await rig.cli(['daemon', 'stop']);
    expect(stop).toMatchObject({ code: 0, stdout: `bangerd stopped (pid ${pid})\n` });
    expect(isAlive(pid!)).toBe(false);
    expect(existsSync(rig.layout.daemonSocket)).toBe(false);
    expect(existsSync(rig.layout.daemonLock)).toBe(false);

    const after = await rig.cli(['daemon', 'status', '--json']);
    expect(jsonData(after.stdout)).toMatchObject({ running: false });
    expect((await rig.cli(['daemon', 'stop'])).stdout).toBe('bangerd is not running\n');
  }, 40_000);

  it('after kill -9 of bangerd the next vm list recovers the stale socket and lock', async () => {
    expect((await rig.cli(['daemon', 'start'])).code).toBe(0);
    const first = rig.daemonPid()!;
    process.kill(first, 'SIGKILL');
    expect(await waitGone(first, 5000)).toBe(true);
    expect(existsSync(rig.layout.daemonSocket)).toBe(true);
    expect(existsSync(rig.layout.daemonLock)).toBe(true);

    const list = await rig.cli(['vm', 'list', '--json']);
    expect(list).toMatchObject({ code: 0, stdout: EMPTY_VM_LIST });
    const second = rig.daemonPid()!;
    expect(second).not.toBe(first);
    expect(isAlive(second)).toBe(true);
  }, 40_000);

  it('SIGTERM stops the daemon gracefully: socket and lock removed', async () => {
    await rig.cli(['daemon', 'start']);
    const pid = rig.daemonPid()!;
    process.kill(pid, 'SIGTERM');
    expect(await waitGone(pid, 10_000)).toBe(true);
    expect(existsSync(rig.layout.daemonSocket)).toBe(false);
    expect(existsSync(rig.layout.daemonLock)).toBe(false);
    expect(rig.daemonLog()).toContain('bangerd stopped');
  }, 30_000);

  it('a second bangerd refuses to start while one is running, naming its pid', async () => {
    await rig.cli(['daemon', 'start']);
    const pid = rig.daemonPid()!;
    const second = spawn(process.execPath, [DAEMON_MAIN], { env: rig.temp.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    second.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => second.on('exit', r));
    expect(code).toBe(1);
    expect(stderr).toContain(`bangerd: bangerd is already running (pid ${pid})`);
    expect(rig.daemonPid()).toBe(pid);
    expect((await rig.cli(['vm', 'list', '--json'])).stdout).toBe(EMPTY_VM_LIST);
  }, 30_000);

  it('concurrent first commands start exactly one daemon', async () => {
    const results = await Promise.all([1, 2, 3].map(() => rig.cli(['vm', 'list', '--json'])));
    for (const r of results) expect(r).toMatchObject({ code: 0, stdout: EMPTY_VM_LIST });
    const log = rig.daemonLog();
    expect(log.match(/bangerd ready/g)?.length).toBe(1);
    // The losers of the race exit; only the lock holder is left running.
    const pid = rig.daemonPid()!;
    const alive = async () => processesUnder(rig.temp.root);
    const deadline = Date.now() + 5000;
    while ((await alive()).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await alive()).toEqual([pid]);
  }, 40_000);

  it('when the daemon cannot start, the CLI quotes its reason from the log and names the file', async () => {
    mkdirSync(rig.layout.configDir, { recursive: true });
    writeFileSync(rig.layout.configFile, 'log_level = "info"\ncolour = "red"\n');
    const r = await rig.cli(['vm', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      [
        `banger: bangerd did not start: ${rig.layout.configFile}:2:1: unknown key "colour"`,
        '2 | colour = "red"',
        '  | ^',
        `  hint: remove it or fix the spelling; see docs/ARCHITECTURE.md for the keys; the whole log: ${rig.layout.daemonLog}`,
        '',
      ].join('\n'),
    );
    expect(rig.daemonLog()).toContain('unknown key "colour"');
  }, 30_000);

  it('a TOML syntax error: file:line:column, the line and a caret, quoted from this attempt only', async () => {
    mkdirSync(rig.layout.configDir, { recursive: true });
    writeFileSync(rig.layout.configFile, 'colour = "red"\n');
    expect((await rig.cli(['vm', 'list'])).code).toBe(1);
    // A second failing start: its own reason, not the first one's still in the log.
    writeFileSync(rig.layout.configFile, '[vm_defaults]\nmemory = \n');
    const r = await rig.cli(['vm', 'list', '--json']);
    expect(r.code).toBe(1);
    const err = JSON.stringify(JSON.parse(r.stdout));
    expect(err).toContain(`bangerd did not start: ${rig.layout.configFile}:2:10: not valid TOML: `);
    expect(err).toContain('2 | memory = ');
    expect(err).not.toContain('colour');
    expect(err).toContain(`the whole log: ${rig.layout.daemonLog}`);
  }, 30_000);

  it('errors are one line plus a hint, exit 1; --json gives the error envelope', async () => {
    const r = await rig.cli(['vm', 'show', 'ghost']);
    expect(r).toMatchObject({ code: 1, stderr: 'banger: no VM named "ghost"\n  hint: see the names with: banger vm list\n' });
    const j = await rig.cli(['image', 'show', 'ghost', '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual({
      apiVersion: 'banger.cli/v1',
      command: 'image show',
      ok: false,
      error: { kind: 'not_found', code: 'image.not_found', message: 'no image named "ghost"', hint: 'see the names with: banger image list, or build one: banger image build' },
    });
    expect((await rig.cli(['vm', 'show'])).code).toBe(2);
    expect(jsonData((await rig.cli(['image', 'list', '--json'])).stdout)).toEqual([]);
  }, 30_000);
});
