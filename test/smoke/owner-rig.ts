import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN, vmmPidsUnder, waitFor, waitGone, type CliResult } from '../helpers/index.js';
import { USER_PATH } from '../helpers/as-user.js';
import { seedUserCache } from '../helpers/owner-user.js';
import { createTestUser, pidsOf, type TestUser } from '../helpers/users.js';
import { createTestNetns, type TestNetns } from '../helpers/netns.js';
import { jsonData } from '../helpers/cli-json.js';


/** What the two units that `banger system install` wrote say to run, and with which environment. */
export interface InstalledUnits {
  helperExecStart: string[];
  daemonEnv: Record<string, string>;
  daemonUser: string;
}

export function parseUnits(root: string): InstalledUnits {
  const unit = (name: string) => readFileSync(join(root, 'etc/systemd/system', name), 'utf8');
  const helper = unit('banger-helper.service');
  const daemon = unit('bangerd.service');
  const execStart = /^ExecStart=(.+)$/m.exec(helper)?.[1];
  if (!execStart) throw new Error('banger-helper.service has no ExecStart');
  const daemonEnv: Record<string, string> = {};
  for (const m of daemon.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) daemonEnv[m[1]!] = m[2]!;
  return { helperExecStart: execStart.split(' '), daemonEnv, daemonUser: /^User=(.+)$/m.exec(daemon)?.[1] ?? '' };
}

/** `getfacl` of the tun node plus its mode: compared before and after to prove the helper restored it. */
export function tunFingerprint(): string {
  const acl = execFileSync('getfacl', ['-cn', '/dev/net/tun'], { encoding: 'utf8', stdio: 'pipe' });
  return `${(statSync('/dev/net/tun').mode & 0o7777).toString(8)}\n${acl}`;
}

/**
 * Owner mode as a user lives it: a throwaway ordinary user with a home of its
 * own, `banger system install --owner USER` run as root into a staging root,
 * banger-helper started as root from the ExecStart line that install wrote,
 * and every banger command run as that user (setpriv, a clean environment with
 * an ordinary user's PATH plus the Environment= lines of the bangerd unit), so
 * bangerd, QEMU and every tool they start run without root. The helper and
 * the user's commands run inside a network namespace made for the rig, so
 * the bridge, taps and rules die with it; the helper's ACL on /dev/net/tun is
 * host-wide and is compared before and after.
 */
export class OwnerRig {
  /** Argument prefix that enters the rig's own mount namespace (a 0666 /dev/net/tun), or nothing. */
  private readonly enter: string[] = [];
  private mountNs: string | undefined;
  readonly root: string;
  readonly sysroot: string;
  readonly user: TestUser & { home: string };
  readonly netns: TestNetns;
  readonly tunBefore: string;
  units!: InstalledUnits;
  private helper: ChildProcess | undefined;
  private readonly createdRunDir: boolean;

  /**
   * @param opts.openTun Live on a host where /dev/net/tun is 0666 (a stock
   * desktop): a private mount namespace with a 0666 tun node bound over
   * /dev/net/tun, entered by the helper and every command of the user.
   */
  constructor(opts: { openTun?: boolean } = {}) {
    this.tunBefore = tunFingerprint();
    this.root = mkdtempSync(join(tmpdir(), 'bgo-'));
    chmodSync(this.root, 0o755);
    this.sysroot = join(this.root, 'sysroot');
    mkdirSync(this.sysroot);
    const home = join(this.root, 'home');
    this.user = { ...createTestUser('own', { home }), home };
    // logind makes /run/user/UID at login; a throwaway user never logs in.
    const runDir = `/run/user/${this.user.uid}`;
    this.createdRunDir = !existsSync(runDir);
    if (this.createdRunDir) {
      mkdirSync(runDir, { recursive: true, mode: 0o700 });
      chownSync(runDir, this.user.uid, this.user.gid);
    }
    this.netns = createTestNetns('own');
    // After the netns: a private mount namespace only sees /run/netns mounts made before it.
    if (opts.openTun) this.enterOpenTunHost();
  }

  private enterOpenTunHost(): void {
    const mnt = join(this.root, 'mnt');
    const dev = join(this.root, 'dev');
    mkdirSync(mnt);
    mkdirSync(dev);
    execFileSync('mount', ['--bind', mnt, mnt]);
    execFileSync('mount', ['--make-private', mnt]);
    this.mountNs = join(mnt, 'ns');
    writeFileSync(this.mountNs, '');
    execFileSync('unshare', [`--mount=${this.mountNs}`, '--propagation', 'private', 'true']);
    const inNs = (cmd: string, args: string[]) => execFileSync('nsenter', [`--mount=${this.mountNs}`, cmd, ...args], { stdio: 'pipe' });
    // /tmp may be nodev: the node lives on a tmpfs of the namespace's own.
    inNs('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', dev]);
    inNs('mknod', ['-m', '0666', join(dev, 'tun'), 'c', '10', '200']);
    inNs('mount', ['--bind', join(dev, 'tun'), '/dev/net/tun']);
    this.enter.push('nsenter', `--mount=${this.mountNs}`);
  }

  /** `getfacl` and mode of /dev/net/tun as the rig's processes see it. */
  tunSeen(): string {
    if (!this.mountNs) return tunFingerprint();
    const run = (cmd: string, args: string[]) => execFileSync('nsenter', [`--mount=${this.mountNs}`, cmd, ...args], { encoding: 'utf8', stdio: 'pipe' });
    return `${run('stat', ['-c', '%a', '/dev/net/tun']).trim()}\n${run('getfacl', ['-cn', '/dev/net/tun'])}`;
  }

  get helperSocket(): string {
    return join(this.root, 'helper', 'helper.sock');
  }

  /** `banger system install` as root, then reads back what the units say. */
  async install(): Promise<CliResult> {
    const res = await run(process.execPath, [CLI_MAIN, 'system', 'install', '--root', this.sysroot, '--owner', this.user.name, '--helper-socket', this.helperSocket, '--json'], {
      timeoutMs: 30_000,
    });
    if (res.code === 0) this.units = parseUnits(this.sysroot);
    return res;
  }

  /** Copies the shared kernel cache into the user's own cache, so the image build needs no second download. */
  seedKernelCache(): void {
    seedUserCache(this.user, join(this.user.home, '.cache', 'banger'), ['kernels']);
  }

  /** Starts banger-helper as root, exactly as the unit's ExecStart says, inside the rig's namespace. */
  async startHelper(): Promise<void> {
    const log = openSync(join(this.root, 'helper.log'), 'a');
    const argv = [...this.enter, 'ip', 'netns', 'exec', this.netns.name, ...this.units.helperExecStart];
    this.helper = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', log, log], detached: false });
    const up = await waitFor(() => existsSync(this.helperSocket), 20_000);
    if (!up) throw new Error(`banger-helper did not listen on ${this.helperSocket}: ${this.helperLog()}`);
  }

  helperLog(): string {
    try {
      return readFileSync(join(this.root, 'helper.log'), 'utf8');
    } catch {
      return '';
    }
  }

  daemonLog(): string {
    try {
      return readFileSync(join(this.user.home, '.local', 'state', 'banger', 'bangerd.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Runs the built CLI as the user, with a clean environment and an ordinary PATH. */
  cli(args: string[], opts: { timeoutMs?: number; hostNetwork?: boolean; cwd?: string } = {}): Promise<CliResult> {
    const env = {
      HOME: this.user.home,
      USER: this.user.name,
      LOGNAME: this.user.name,
      PATH: USER_PATH,
      LANG: 'C.UTF-8',
      ...this.units.daemonEnv,
    };
    const asUser = [
      'setpriv', `--reuid=${this.user.uid}`, `--regid=${this.user.gid}`, '--init-groups', '--',
      'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      process.execPath, CLI_MAIN, ...args,
    ];
    const argv = [...this.enter, ...(opts.hostNetwork ? asUser : ['ip', 'netns', 'exec', this.netns.name, ...asUser])];
    return run(argv[0]!, argv.slice(1), { timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  }

  /** Runs a command as the user (setup such as `git init` in the user's home). */
  asUser(cmd: string, args: string[], cwd?: string): string {
    return execFileSync('setpriv', [`--reuid=${this.user.uid}`, `--regid=${this.user.gid}`, '--init-groups', '--', 'env', '-i', `HOME=${this.user.home}`, `PATH=${USER_PATH}`, cmd, ...args], {
      encoding: 'utf8',
      stdio: 'pipe',
      ...(cwd ? { cwd } : {}),
    });
  }

  /** Builds the default image as the user with the host's network (the kernel comes through apt), then stops that daemon. */
  async buildDefaultImage(): Promise<CliResult> {
    const res = await this.cli(['image', 'build', '--profile', 'minimal', '--name', 'default'], { timeoutMs: 600_000, hostNetwork: true });
    await this.cli(['daemon', 'stop'], { hostNetwork: true });
    return res;
  }

  /** VMM processes this rig started (their command line names a path in the user's home). */
  vmmProcesses(): number[] {
    return vmmPidsUnder(this.user.home);
  }

  /**
   * Deletes every VM, stops bangerd and the helper (which takes its ACL back),
   * kills anything of the user's that is left, then removes the namespace,
   * the user, the run dir it made and the temp root. Returns what was still
   * running when the polite steps were done (should be nothing).
   */
  async dispose(): Promise<{ stragglers: number[] }> {
    let stragglers: number[] = [];
    try {
      if (this.units) {
        const list = await this.cli(['vm', 'list', '--json'], { timeoutMs: 30_000 });
        if (list.code === 0) {
          for (const vm of jsonData(list.stdout) as { name: string }[]) await this.cli(['vm', 'delete', '--force', vm.name], { timeoutMs: 120_000 });
        }
        await this.cli(['daemon', 'stop'], { timeoutMs: 30_000 });
      }
      if (this.helper?.pid) {
        this.helper.kill('SIGTERM');
        await waitGone(this.helper.pid, 10_000);
      }
    } finally {
      stragglers = pidsOf(this.user.uid);
      for (const pid of stragglers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
        await waitGone(pid, 5000);
      }
      if (this.helper?.pid) {
        try {
          this.helper.kill('SIGKILL');
        } catch {
          // gone
        }
      }
      this.netns.delete();
      this.user.remove();
      if (this.createdRunDir) rmSync(`/run/user/${this.user.uid}`, { recursive: true, force: true });
      if (this.mountNs) {
        // Dropping the namespace file's bind mount ends the namespace (nothing runs in it now).
        for (const target of [this.mountNs, join(this.root, 'mnt')]) {
          try {
            execFileSync('umount', [target], { stdio: 'pipe' });
          } catch {
            // not mounted
          }
        }
      }
      rmSync(this.root, { recursive: true, force: true });
    }
    return { stragglers };
  }
}

function run(cmd: string, args: string[], opts: { timeoutMs: number; cwd?: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: opts.timeoutMs, maxBuffer: 16 * 1024 * 1024, ...(opts.cwd ? { cwd: opts.cwd } : {}) }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 124) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
