/**
 * Smoke: `banger vm run --rm` deletes its VM whatever ends it (issue 18,
 * item 3): SIGTERM (a cancelled CI job), SIGHUP (the terminal closed), SIGINT
 * during the boot, the controlling terminal closing, a second SIGINT during the delete (the CLI stops waiting
 * and bangerd finishes), and SIGKILL, which the CLI cannot answer, so bangerd
 * deletes the VM when the CLI's connection drops. Each case: the exit code
 * is 128+N, `vm list` is empty, and the VM left no VMM process, NAT rule or
 * directory; at the end a clean daemon stop leaves no tap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, type CliResult } from '../helpers/index.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { SmokeRig, collectChild } from './smoke-rig.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables', 'script'));

/** Whether a `vm run ... --name NAME` CLI process is still alive (read from /proc: it is not our child). */
function cliAlive(name: string): boolean {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.includes(CLI_MAIN) && args.includes(name) && args.includes('run')) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

describe.skipIf(skipReason(missing))('smoke: vm run --rm on signals', () => {
  let rig: SmokeRig;

  beforeAll(async () => {
    rig = new SmokeRig({ tempPrefix: 'bgr-', netnsTag: 'runsig' });
    const built = await rig.buildDefaultImage();
    expect(built.code, rig.why(built)).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await rig?.cleanup();
  }, 300_000);

  const finish = (child: ChildProcess, timeoutMs = 120_000): Promise<CliResult> => collectChild(child, timeoutMs);

  /** VM names in `vm list --json` (bare array, or the v1 envelope's data). */
  const vmNames = async (): Promise<string[]> => {
    const res = await rig.cli(['vm', 'list', '--json']);
    expect(res.code, rig.why(res)).toBe(0);
    const parsed = JSON.parse(res.stdout) as { name: string }[] | { data: { name: string }[] };
    return (Array.isArray(parsed) ? parsed : parsed.data).map((v) => v.name);
  };

  const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  /** Nothing of the test's VMs is left: no row, no VMM process, no NAT rule, no VM directory. */
  const expectNothingLeft = async (): Promise<void> => {
    expect(await vmNames()).toEqual([]);
    expect(rig.vmmProcesses()).toEqual([]);
    expect(rig.natRules()).toEqual([]);
    let dirs: string[] = [];
    try {
      dirs = readdirSync(rig.layout.vmsDir);
    } catch {
      // never made: nothing left
    }
    expect(dirs).toEqual([]);
  };

  /** Starts `vm run --rm --name NAME -- sleep SECS` and resolves once the sleep runs in the guest. */
  const startLong = async (name: string, secs: number): Promise<{ child: ChildProcess; done: Promise<CliResult> }> => {
    // --cold: every case boots the kernel, so a case never depends on the warm snapshot an earlier one left (a restore is not what is tested here).
    const child = rig.spawn(['vm', 'run', '--rm', '--cold', '--name', name, '--', 'sleep', String(secs)]);
    const done = finish(child);
    let exited = false;
    void done.then(() => (exited = true));
    await waitFor(
      `sleep ${secs} in ${name}`,
      async () => {
        if (exited) throw new Error(`vm run ended early: ${JSON.stringify(await done)}`);
        const ps = await rig.cli(['vm', 'exec', name, '--', 'sh', '-c', `ps -o args | grep -c "^sleep ${secs}"`], { timeoutMs: 30_000 });
        return ps.code === 0 && ps.stdout.trim() === '1';
      },
      240_000,
    );
    return { child, done };
  };

  it('SIGTERM while the command runs: the command gets it, the VM is deleted, exit 143', async () => {
    const { child, done } = await startLong('sig-term', 601);
    const t0 = Date.now();
    child.kill('SIGTERM');
    const res = await done;
    expect(res.code, rig.why(res)).toBe(143);
    expect(res.stderr).toMatch(/SIGTERM: deleting sig-term/);
    console.log(`smoke run-signals: SIGTERM → exit in ${Date.now() - t0} ms`);
    await expectNothingLeft();
  }, 600_000);

  it('SIGHUP (the terminal went away): the VM is deleted, exit 129', async () => {
    const { child, done } = await startLong('sig-hup', 602);
    const t0 = Date.now();
    child.kill('SIGHUP');
    const res = await done;
    expect(res.code, rig.why(res)).toBe(129);
    console.log(`smoke run-signals: SIGHUP → exit in ${Date.now() - t0} ms`);
    await expectNothingLeft();
  }, 600_000);

  it('the controlling terminal closing (its terminal emulator killed): SIGHUP from the kernel, the VM is deleted', async () => {
    // util-linux script gives the CLI a pseudo-terminal; SIGKILL to script closes the master side, as a closed terminal window does.
    const argv = ['ip', 'netns', 'exec', rig.netns.name, process.execPath, CLI_MAIN, 'vm', 'run', '--rm', '--cold', '--name', 'sig-tty', '--', 'sleep', '606'];
    const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const term = spawn('script', ['-qefc', quoted, '/dev/null'], { env: rig.temp.env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const done = finish(term);
    await waitFor(
      'sleep 606 in sig-tty',
      async () => {
        const ps = await rig.cli(['vm', 'exec', 'sig-tty', '--', 'sh', '-c', 'ps -o args | grep -c "^sleep 606"'], { timeoutMs: 30_000 });
        return ps.code === 0 && ps.stdout.trim() === '1';
      },
      240_000,
    );
    term.kill('SIGKILL');
    await done;
    term.stdin!.destroy();
    const t0 = Date.now();
    await waitFor('sig-tty to be deleted', async () => (await vmNames()).length === 0, 120_000);
    console.log(`smoke run-signals: terminal closed → VM deleted in ${Date.now() - t0} ms`);
    await waitFor('the VMM to exit', () => Promise.resolve(rig.vmmProcesses().length === 0), 30_000);
    await waitFor('the CLI to exit', () => Promise.resolve(!cliAlive('sig-tty')), 30_000);
    await expectNothingLeft();
  }, 600_000);

  it('SIGINT during the boot (before SSH): the start is cut short and the VM deleted, exit 130', async () => {
    const child = rig.spawn(['vm', 'run', '--rm', '--cold', '--name', 'sig-boot', '--', 'sleep', '603']);
    const done = finish(child);
    // The row exists from the create on: interrupt as soon as it does, which is mid-start.
    await waitFor('sig-boot to exist', async () => (await vmNames()).includes('sig-boot'), 120_000);
    child.kill('SIGINT');
    const res = await done;
    expect(res.code, rig.why(res)).toBe(130);
    await expectNothingLeft();
  }, 600_000);

  it('a second signal during the delete exits at once, and bangerd finishes the delete', async () => {
    const { child, done } = await startLong('sig-twice', 605);
    let stderr = '';
    let again = false;
    // Sent the moment the CLI says it is deleting (not on the next poll): the delete itself lasts well under a second.
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (!again && /SIGINT: deleting sig-twice/.test(stderr)) {
        again = true;
        child.kill('SIGINT');
      }
    });
    child.kill('SIGINT');
    const res = await done;
    expect(again).toBe(true);
    expect(res.code, rig.why(res)).toBe(130);
    expect(res.stderr).toMatch(/SIGINT again: not waiting; bangerd finishes deleting sig-twice/);
    await waitFor('bangerd to finish deleting sig-twice', async () => (await vmNames()).length === 0, 120_000);
    await waitFor('the VMM to exit', () => Promise.resolve(rig.vmmProcesses().length === 0), 30_000);
    await expectNothingLeft();
  }, 600_000);

  it('SIGKILL (the CLI cannot clean up): bangerd deletes the VM when the connection drops', async () => {
    const { child, done } = await startLong('sig-kill', 604);
    child.kill('SIGKILL');
    expect((await done).code).toBe(137);
    const t0 = Date.now();
    await waitFor('bangerd to delete sig-kill', async () => (await vmNames()).length === 0, 120_000);
    console.log(`smoke run-signals: SIGKILL → bangerd deleted the VM in ${Date.now() - t0} ms`);
    await waitFor('the VMM to exit', () => Promise.resolve(rig.vmmProcesses().length === 0), 30_000);
    await expectNothingLeft();
  }, 600_000);

  it('a clean daemon stop afterwards leaves no tap', async () => {
    expect((await rig.cli(['daemon', 'stop'])).code).toBe(0);
    expect(rig.links().filter((l) => /tap/.test(l))).toEqual([]);
  });
});
