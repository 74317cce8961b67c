/**
 * Smoke: `banger vm exec` (issue 17, item 4) against a real VM of the minimal
 * image (busybox + dropbear): environment with awkward values, workdir, stdin
 * with and without -i, exit codes and signals, --user, a PTY, the same flags
 * on `vm run` and `vm ssh`, and a stopped VM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, type CliResult } from '../helpers/index.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { jsonData } from '../helpers/cli-json.js';
import { SmokeRig, collectChild } from './smoke-rig.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables', 'script'));
const VM = 'smoke-exec';

describe.skipIf(skipReason(missing))('smoke: vm exec', () => {
  let rig: SmokeRig;

  /** The CLI in the rig's namespace, as a child we can feed and signal. */
  const start = (args: string[], stdio: 'pipe' | 'ignore' = 'pipe'): ChildProcess =>
    spawn('ip', ['netns', 'exec', rig.netns.name, process.execPath, CLI_MAIN, ...args], { env: rig.temp.env as NodeJS.ProcessEnv, stdio: [stdio, 'pipe', 'pipe'] });

  const finish = (child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> => collectChild(child, timeoutMs);

  /** Runs the CLI with `input` on its stdin (then EOF). */
  const withInput = (args: string[], input: string): Promise<CliResult> => {
    const child = start(args);
    const done = finish(child);
    child.stdin!.end(input);
    return done;
  };

  /** Runs the CLI on a terminal (util-linux script), so stdin and stdout are TTYs. */
  const onTerminal = (args: string[]): Promise<CliResult> => {
    const quoted = ['ip', 'netns', 'exec', rig.netns.name, process.execPath, CLI_MAIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qefc', quoted, '/dev/null'], { env: rig.temp.env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    // stdin stays open until the command is done: an EOF on script's stdin would end the session early.
    return finish(child).finally(() => child.stdin!.destroy());
  };

  beforeAll(async () => {
    rig = new SmokeRig({ tempPrefix: 'bgx-', netnsTag: 'exec' });
    const built = await rig.buildDefaultImage();
    expect(built.code, rig.why(built)).toBe(0);
    const created = await rig.cli(['vm', 'create', '--name', VM], { timeoutMs: 300_000 });
    expect(created.code, rig.why(created)).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await rig?.cleanup();
  }, 300_000);

  it('passes env values with spaces, quotes, $, backquotes and newlines exactly, and --env K from the host', async () => {
    rig.temp.env.BANGER_SMOKE_FROM_HOST = 'host value $x';
    const values = { SP: 'a  b', Q: `it's "quoted"`, D: '$HOME `id` $(id)', NL: 'line one\nline two', E: '' };
    const env = Object.entries(values).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const res = await rig.cli(['vm', 'exec', VM, ...env, '--env', 'BANGER_SMOKE_FROM_HOST', '--', 'sh', '-c', 'printf "%s|" "$SP" "$Q" "$D" "$NL" "$E" "$BANGER_SMOKE_FROM_HOST"'], { timeoutMs: 120_000 });
    expect(res.code, rig.why(res)).toBe(0);
    expect(res.stdout).toBe(`${Object.values(values).join('|')}|host value $x|`);
  });

  it('--json: one envelope with the command\'s exit code, stdout and stderr collected (issue 18); vm ssh -- CMD the same', async () => {
    const res = await rig.cli(['vm', 'exec', VM, '--json', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 120_000 });
    expect(res.code, rig.why(res)).toBe(3);
    expect(JSON.parse(res.stdout)).toEqual({ apiVersion: 'banger.cli/v1', command: 'vm exec', ok: true, data: { name: VM, exitCode: 3, stdout: 'out\n', stderr: 'err\n' } });
    const ssh = await rig.cli(['vm', 'ssh', VM, '--json', '--', 'echo', 'hi'], { timeoutMs: 120_000 });
    expect(ssh.code, rig.why(ssh)).toBe(0);
    expect(jsonData(ssh.stdout)).toEqual({ name: VM, exitCode: 0, stdout: 'hi\n', stderr: '' });
  });

  it('runs in --workdir, and refuses a missing one or a relative one in one line', async () => {
    const res = await rig.cli(['vm', 'exec', VM, '-w', '/tmp', '--', 'pwd']);
    expect(res).toMatchObject({ code: 0, stdout: '/tmp\n' });
    const missingDir = await rig.cli(['vm', 'exec', VM, '-w', '/no/such', '--', 'pwd']);
    expect(missingDir.code).toBe(1);
    expect(missingDir.stderr).toMatch(/^banger: no directory \/no\/such in VM smoke-exec\n  hint: create it first: banger vm exec smoke-exec -- mkdir -p \/no\/such\n$/);
    const relative = await rig.cli(['vm', 'exec', VM, '-w', 'tmp', '--', 'pwd']);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toMatch(/^banger: --workdir "tmp" is not an absolute path/);
  });

  it('passes stdin with -i only (as docker exec)', async () => {
    expect(await withInput(['vm', 'exec', VM, '-i', '--', 'cat'], 'data\n')).toMatchObject({ code: 0, stdout: 'data\n' });
    expect(await withInput(['vm', 'exec', VM, '--', 'cat'], 'data\n')).toMatchObject({ code: 0, stdout: '' });
    // vm ssh keeps ssh(1)'s rule: stdin always flows.
    expect(await withInput(['vm', 'ssh', VM, '-e', 'P=>', '--', 'sh', '-c', 'printf %s "$P"; cat'], 'x\n')).toMatchObject({ code: 0, stdout: '>x\n' });
  });

  it('passes exit codes back: 0, 7, 143 for kill -TERM $$', async () => {
    expect((await rig.cli(['vm', 'exec', VM, '--', 'true'])).code).toBe(0);
    expect((await rig.cli(['vm', 'exec', VM, '--', 'sh', '-c', 'exit 7'])).code).toBe(7);
    expect((await rig.cli(['vm', 'exec', VM, '--', 'kill -TERM $$'])).code).toBe(143);
  });

  /** Starts `vm exec VM -- ...command`, waits until `marker` runs in the guest, sends `sig` to the CLI, and returns its result and what is left. */
  const interrupt = async (command: string[], marker: string, sig: NodeJS.Signals): Promise<{ res: CliResult; left: string }> => {
    const child = start(['vm', 'exec', VM, '--', ...command], 'ignore');
    const done = finish(child);
    const running = async () => (await rig.cli(['vm', 'exec', VM, '--', 'sh', '-c', `ps -o args | grep -c "^${marker}"`])).stdout.trim();
    let seen = false;
    for (let i = 0; i < 60 && !seen; i++) {
      seen = (await running()) === '1';
      if (!seen) await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen).toBe(true);
    child.kill(sig);
    const res = await done;
    return { res, left: await running() };
  };

  it('forwards a local SIGINT to the guest command: it dies, the CLI exits 130', async () => {
    const { res, left } = await interrupt(['sleep', '321'], 'sleep 321', 'SIGINT');
    expect(res.code, res.stderr).toBe(130);
    expect(left).toBe('0');
  });

  it('a signal reaches a shell snippet and its children (dropbear: no process group), as Ctrl-C on a terminal', async () => {
    const { res, left } = await interrupt(['sleep 322; echo after'], 'sleep 322', 'SIGTERM');
    expect(res.code, res.stderr).toBe(143);
    expect(res.stdout).toBe('');
    expect(left).toBe('0');
  });

  it('--user runs as a user created in the guest, and refuses one that does not exist', async () => {
    const add = await rig.cli(['vm', 'exec', VM, '--', "grep -q '^app:' /etc/passwd || { echo 'app:x:1000:1000:app:/home/app:/bin/sh' >> /etc/passwd && mkdir -p /home/app && chown 1000:1000 /home/app; }"]);
    expect(add.code, rig.why(add)).toBe(0);
    const res = await rig.cli(['vm', 'exec', VM, '-u', 'app', '-w', '/home/app', '-e', 'A=it is me', '--', 'sh', '-c', 'id -u; pwd; printf "%s\\n" "$A"']);
    expect(res).toMatchObject({ code: 0, stdout: '1000\n/home/app\nit is me\n' });
    const none = await rig.cli(['vm', 'exec', VM, '-u', 'nosuchuser', '--', 'id']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^banger: no user nosuchuser in VM smoke-exec\n  hint: /);
  });

  it('gives a PTY with -t, by default on a terminal, and not with -T', async () => {
    const t = await onTerminal(['vm', 'exec', VM, '-t', '--', 'tty']);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(t.stdout).toMatch(/\/dev\/pts\/\d+\r*\n/);
    const auto = await onTerminal(['vm', 'exec', VM, '--', 'tty']);
    expect(auto.stdout).toMatch(/\/dev\/pts\/\d+\r*\n/);
    const none = await onTerminal(['vm', 'exec', VM, '-T', '--', 'tty']);
    expect(none.stdout).toMatch(/not a tty/);
    // Without a terminal there is no PTY unless asked.
    expect((await rig.cli(['vm', 'exec', VM, '--', 'tty'])).stdout).toMatch(/not a tty/);
  });

  it('vm run applies --env and --workdir to its command', async () => {
    const res = await rig.cli(['vm', 'run', '--rm', '-e', 'A=x y', '--workdir', '/tmp', '--', 'sh', '-c', 'pwd; printf "%s\\n" "$A"'], { timeoutMs: 300_000 });
    expect(res.code, rig.why(res)).toBe(0);
    expect(res.stdout).toBe('/tmp\nx y\n');
  }, 600_000);

  it('a stopped VM is one clear error with the fix', async () => {
    const stopped = await rig.cli(['vm', 'stop', VM], { timeoutMs: 120_000 });
    expect(stopped.code, rig.why(stopped)).toBe(0);
    const res = await rig.cli(['vm', 'exec', VM, '--', 'true']);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`banger: cannot run a command in VM ${VM}: it is stopped\n  hint: start it first: banger vm start ${VM}\n`);
  }, 300_000);
});
