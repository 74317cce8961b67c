import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempRoot, DAEMON_MAIN, REPO_ROOT, waitFor, waitGone, type TempRoot } from '../../helpers/index.js';
import { createTestNetns, type TestNetns } from '../../helpers/netns.js';
import { count } from './counters.js';

/**
 * A real bangerd on fresh XDG dirs, inside a throwaway network namespace: a
 * fuzzed vm.create or vm.start can start the actor system, whose bridge and
 * taps must die with the namespace instead of landing on the host. `crashed`
 * is set when it exits without being asked to (the summary's daemon crashes).
 */
export class DaemonProcess {
  child!: ChildProcess;
  stderr = '';
  crashed: { code: number | null; signal: string | null } | undefined;
  private stopping = false;
  readonly netns: TestNetns = createTestNetns('rel');

  private constructor(readonly temp: TempRoot) {}

  static async start(temp: TempRoot = createTempRoot('bgrel-')): Promise<DaemonProcess> {
    const d = new DaemonProcess(temp);
    await d.spawn();
    return d;
  }

  /** (Re)spawns bangerd on the same XDG dirs; resolves once its socket answers. */
  async spawn(): Promise<void> {
    this.stopping = false;
    this.crashed = undefined;
    // `ip netns exec` execs node in place, so the child's pid is bangerd's.
    this.child = spawn('ip', ['netns', 'exec', this.netns.name, process.execPath, DAEMON_MAIN], { env: this.temp.env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.child.once('exit', (code, signal) => {
      if (!this.stopping) {
        this.crashed = { code, signal };
        count('daemonCrashes', 1, `bangerd exited code=${code} signal=${signal}: ${this.stderr.slice(-300)}`);
      }
    });
    const up = await waitFor(() => existsSync(this.temp.layout.daemonSocket) || this.child.exitCode !== null, 15_000);
    if (!up || this.child.exitCode !== null) throw new Error(`bangerd did not start:\n${this.stderr}`);
  }

  get layout() {
    return this.temp.layout;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines of bangerd.log (for failure messages). */
  logTail(lines = 15): string {
    try {
      return readFileSync(this.temp.layout.daemonLog, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no bangerd.log)';
    }
  }

  /** kill -9 as a deliberate fault (not counted as a crash). */
  async kill9(): Promise<void> {
    this.stopping = true;
    count('faultsInjected', 1);
    if (this.child.pid) {
      this.child.kill('SIGKILL');
      await waitGone(this.child.pid, 5000);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.pid && this.alive) {
      this.child.kill('SIGTERM');
      if (!(await waitGone(this.child.pid, 5000))) this.child.kill('SIGKILL');
      await waitGone(this.child.pid, 5000);
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.netns.delete();
    this.temp.remove();
  }
}

/**
 * A real banger-helper (dist/helper/main.js) as root inside a throwaway netns,
 * with an owner uid, layout roots under a temp dir and a token file, the way
 * test/integration/helper/helper-process.test.ts starts it.
 */
export class HelperProcess {
  child!: ChildProcess;
  log = '';
  crashed: { code: number | null; signal: string | null } | undefined;
  readonly token = randomBytes(24).toString('hex');
  readonly tmp: string;
  readonly socketPath: string;
  readonly stateDir: string;
  readonly tokenFile: string;
  private stopping = false;

  private constructor(
    readonly ns: TestNetns,
    readonly owner: { uid: number; gid: number },
  ) {
    this.tmp = mkdtempSync('/tmp/bgrel-helper-');
    chmodSync(this.tmp, 0o755);
    for (const d of ['state', 'runtime', 'cache', 'run']) mkdirSync(join(this.tmp, d), { mode: 0o755 });
    this.stateDir = join(this.tmp, 'state');
    this.socketPath = join(this.tmp, 'run', 'helper.sock');
    this.tokenFile = join(this.tmp, 'helper.token');
    writeFileSync(this.tokenFile, this.token, { mode: 0o600 });
    chownSync(this.tokenFile, owner.uid, owner.gid);
  }

  static async start(owner: { uid: number; gid: number }): Promise<HelperProcess> {
    const h = new HelperProcess(createTestNetns('rel'), owner);
    try {
      await h.spawn();
    } catch (err) {
      await h.dispose();
      throw err;
    }
    return h;
  }

  private async spawn(): Promise<void> {
    const t = this.tmp;
    this.child = spawn(
      'ip',
      [
        'netns', 'exec', this.ns.name, process.execPath, join(REPO_ROOT, 'dist/helper/main.js'),
        '--owner-uid', String(this.owner.uid), '--owner-gid', String(this.owner.gid),
        '--root', this.stateDir, '--root', join(t, 'runtime'), '--root', join(t, 'cache'),
        '--socket', this.socketPath, '--token-file', this.tokenFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.log += d));
    this.child.once('exit', (code, signal) => {
      if (!this.stopping) {
        this.crashed = { code, signal };
        count('helperCrashes', 1, `banger-helper exited code=${code} signal=${signal}: ${tail(this.log)}`);
      }
    });
    const ok = await waitFor(() => (existsSync(this.socketPath) && this.log.includes('helper listening')) || this.child.exitCode !== null, 15_000);
    if (!ok || this.child.exitCode !== null) throw new Error(`helper did not start:\n${this.log}`);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  helloLine(): string {
    return JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'helper.hello', params: { token: this.token } });
  }

  async dispose(): Promise<void> {
    this.stopping = true;
    if (this.child?.pid && this.alive) {
      this.child.kill('SIGTERM');
      if (!(await waitGone(this.child.pid, 5000))) this.child.kill('SIGKILL');
      await waitGone(this.child.pid, 5000);
    }
    this.ns.delete();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

function tail(s: string): string {
  return s.split('\n').filter(Boolean).slice(-3).join(' | ').slice(-600);
}
