import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN, processesUnder, vmmPidsUnder, waitGone, type CliResult } from '../helpers/index.js';
import { createTestNetns, type TestNetns } from '../helpers/netns.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';
import { jsonData } from '../helpers/cli-json.js';

/**
 * Collects a spawned CLI's output and exit: its exit code, or 128+N when signal N killed it outright
 * (as a shell reports it); SIGKILLed after `timeoutMs`.
 */
export function collectChild(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr });
    });
  });
}

export interface SmokeRigOptions {
  /** Temp root prefix under /tmp. @default 'bgs-' */
  tempPrefix?: string;
  /** Netns tag (banger-TAG-xxxxxx). @default 'smoke' */
  netnsTag?: string;
  /** Extra top-level config.toml lines (before any table). */
  extraConfig?: string[];
  /** Share another rig's namespace (two instances on one host); cleanup leaves it to its owner. */
  netns?: TestNetns;
  /** dns_listen. @default '127.0.0.1:5353' */
  dnsListen?: string;
}

/**
 * The smoke suite drives the built CLI exactly as a user does, but inside a
 * network namespace created for the run: bangerd (auto-started by the CLI)
 * inherits it, so the bridge, taps and NAT rules it makes are real and die
 * with the namespace. The kernel cache is shared across runs (it is a cache);
 * everything else is a fresh XDG tree.
 */
export class SmokeRig {
  readonly temp: TempRoot;
  readonly netns: TestNetns;
  private readonly ownsNetns: boolean;

  constructor(opts: SmokeRigOptions = {}) {
    this.temp = createTempRoot(opts.tempPrefix ?? 'bgs-');
    // The same kernel cache as the integration tier (test/helpers/test-layout.ts).
    const shared = process.env.BANGER_TEST_CACHE ?? join(tmpdir(), 'banger-test-cache');
    mkdirSync(shared, { recursive: true });
    this.temp.env.XDG_CACHE_HOME = shared;
    this.ownsNetns = !opts.netns;
    this.netns = opts.netns ?? createTestNetns(opts.netnsTag ?? 'smoke');
    const cfgDir = join(this.temp.env.XDG_CONFIG_HOME!, 'banger');
    mkdirSync(cfgDir, { recursive: true });
    // A home of its own, so file_sync reads a file the test wrote (bangerd's home is $HOME).
    const home = join(this.temp.root, 'home');
    mkdirSync(home);
    this.temp.env.HOME = home;
    writeFileSync(join(home, '.gitconfig'), '[user]\n  name = smoke\n');
    // DNS on an unprivileged port of the namespace's own loopback.
    writeFileSync(
      join(cfgDir, 'config.toml'),
      [`dns_listen = "${opts.dnsListen ?? '127.0.0.1:5353'}"`, ...(opts.extraConfig ?? []), '[[file_sync]]', 'host = "~/.gitconfig"', 'guest = "~/.gitconfig"', ''].join('\n'),
    );
  }

  get layout() {
    return this.temp.layout;
  }

  private argv(args: string[]): string[] {
    return ['netns', 'exec', this.netns.name, process.execPath, CLI_MAIN, ...args];
  }

  cli(args: string[], opts: { timeoutMs?: number; hostNetwork?: boolean } = {}): Promise<CliResult> {
    const [cmd, ...argv] = opts.hostNetwork ? [process.execPath, CLI_MAIN, ...args] : ['ip', ...this.argv(args)];
    return new Promise((resolve) => {
      execFile(cmd!, argv, { env: this.temp.env as NodeJS.ProcessEnv, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 124) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** A failed command's story for an assertion message: its output (with --json the error is on stdout) and the daemon log's tail. */
  why(res: CliResult, lines = 40): string {
    let log = '';
    try {
      log = readFileSync(this.layout.daemonLog, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      log = '(no daemon log)';
    }
    return `exit ${res.code}\nstderr: ${res.stderr}\nstdout: ${res.stdout}\nbangerd.log (last ${lines} lines):\n${log}`;
  }

  /**
   * Builds the default image with the host's network (the namespace has none,
   * and the kernel comes from Debian's archive through apt), then stops that
   * daemon so the scenarios start their own inside the namespace.
   */
  async buildDefaultImage(): Promise<CliResult> {
    const res = await this.cli(['image', 'build', '--profile', 'minimal', '--name', 'default'], { timeoutMs: 600_000, hostNetwork: true });
    await this.cli(['daemon', 'stop'], { hostNetwork: true });
    return res;
  }

  /** A long-running CLI process (for Ctrl-C tests). */
  spawn(args: string[]): ChildProcess {
    return spawn('ip', this.argv(args), { env: this.temp.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  daemonPid(): number | undefined {
    try {
      const n = Number.parseInt(readFileSync(this.layout.daemonLock, 'utf8'), 10);
      return Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /** VMM processes started for this rig (their command line names a path under the temp root). */
  vmmProcesses(): number[] {
    return vmmPidsUnder(this.temp.root);
  }

  links(): string[] {
    return this.netns
      .exec('ip', ['-o', 'link', 'show'])
      .split('\n')
      .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? '')
      .filter((n) => n && n !== 'lo');
  }

  /** Guests' NAT rules (comment banger:<guest IP>). */
  natRules(): string[] {
    return this.bangerRules().filter((l) => !l.includes('banger:dns:'));
  }

  /** The guests' DNS redirect: there while bangerd runs with its bridge up, gone after a clean stop. */
  dnsRedirects(): string[] {
    return this.bangerRules().filter((l) => l.includes('banger:dns:'));
  }

  private bangerRules(): string[] {
    return this.netns
      .exec('iptables-save', [])
      .split('\n')
      .filter((l) => l.includes('banger'));
  }

  /** Rewrites config.toml's top-level lines (the [[file_sync]] table is kept). */
  setConfig(lines: string[]): void {
    const file = join(this.temp.env.XDG_CONFIG_HOME!, 'banger', 'config.toml');
    const table = readFileSync(file, 'utf8').slice(readFileSync(file, 'utf8').indexOf('[[file_sync]]'));
    writeFileSync(file, [...lines, table].join('\n'));
  }

  /** Deletes every VM through the CLI, stops the daemon, then kills stragglers and drops the namespace. */
  async cleanup(): Promise<void> {
    try {
      const list = await this.cli(['vm', 'list', '--json'], { timeoutMs: 30_000 });
      if (list.code === 0) {
        for (const vm of jsonData(list.stdout) as { name: string }[]) await this.cli(['vm', 'delete', '--force', vm.name], { timeoutMs: 120_000 });
      }
      await this.cli(['daemon', 'stop'], { timeoutMs: 30_000 });
    } finally {
      for (const pid of [...processesUnder(this.temp.root), ...this.vmmProcesses()]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
        await waitGone(pid, 5000);
      }
      if (this.ownsNetns) this.netns.delete();
      this.temp.remove();
    }
  }
}
