import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { socketAnswers } from '../../src/daemon/index.js';
import { RpcClient } from '../../src/rpc/index.js';
import { openStore } from '../../src/store/index.js';
import type { Image } from '../../src/model/index.js';
import { randomSuffix } from './host-caps.js';
import { createTestNetns, type TestNetns } from './netns.js';
import { CLI_MAIN, DAEMON_MAIN, isAlive, processesUnder, waitGone, type CliResult } from './rig.js';
import { createTempRoot, type TempRoot } from './temp-root.js';

export interface NetnsDaemonOptions {
  /** Extra config.toml lines (e.g. a `[standin]` table). */
  extraConfig?: string;
  /** @default 2 */
  tapPoolSize?: number;
  /** @default '0' (off) */
  statsPollInterval?: string;
  /** bangerd entry point. @default dist/src/daemon/main.js of this checkout */
  daemonMain?: string;
  /** @default "debug" */
  logLevel?: string;
  /** Extra node flags for bangerd (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Temp root prefix under /tmp. @default 'bgw-' */
  tempPrefix?: string;
  /** Netns tag (banger-TAG-xxxxxx). @default 'wire' */
  netnsTag?: string;
  /** Share this namespace (another instance's) instead of making one; cleanup leaves it. */
  netns?: TestNetns;
  /** Network config instead of one unique to this run (two instances on one network). */
  network?: { bridge: string; tapPrefix: string; cidr: string; dnsPort: number };
}

/**
 * A real bangerd (dist/) running inside a throwaway network namespace with
 * fresh XDG dirs, `vmm = "standin"`, and a bridge name and tap prefix unique to
 * this run, so every bridge, tap and NAT rule it makes dies with the
 * namespace. The RPC socket is a file, reachable from outside the namespace;
 * the DNS server listens on the namespace's own 127.0.0.1.
 */
export class NetnsDaemon {
  readonly temp: TempRoot;
  readonly netns: TestNetns;
  readonly bridge: string;
  readonly tapPrefix: string;
  readonly dnsPort: number;
  readonly cidr: string;
  private readonly ownsNetns: boolean;
  private child: ChildProcess | undefined;
  private clients: RpcClient[] = [];
  private readonly daemonMain: string;
  private readonly nodeArgs: string[];

  constructor(opts: NetnsDaemonOptions = {}) {
    this.daemonMain = opts.daemonMain ?? DAEMON_MAIN;
    this.nodeArgs = opts.nodeArgs ?? [];
    const tag = randomSuffix(5);
    this.temp = createTempRoot(opts.tempPrefix ?? 'bgw-');
    this.ownsNetns = !opts.netns;
    this.netns = opts.netns ?? createTestNetns(opts.netnsTag ?? 'wire');
    this.bridge = opts.network?.bridge ?? `br-w${tag}`;
    this.tapPrefix = opts.network?.tapPrefix ?? `bg${tag}`;
    this.cidr = opts.network?.cidr ?? '10.213.0.1/16';
    this.dnsPort = opts.network?.dnsPort ?? 5353;
    const layout = this.temp.layout;
    mkdirSync(dirname(layout.configFile), { recursive: true });
    writeFileSync(
      layout.configFile,
      [
        'vmm = "standin"',
        `log_level = "${opts.logLevel ?? 'debug'}"`,
        `bridge_name = "${this.bridge}"`,
        `tap_prefix = "${this.tapPrefix}"`,
        `bridge_cidr = "${this.cidr}"`,
        `tap_pool_size = ${opts.tapPoolSize ?? 2}`,
        `dns_listen = "127.0.0.1:${this.dnsPort}"`,
        `stats_poll_interval = "${opts.statsPollInterval ?? '0'}"`,
        'default_image = "standin"',
        opts.extraConfig ?? '',
      ].join('\n'),
    );
    // The factory resolves an image row; stand-in VMs never read its files.
    const store = openStore(layout.dbPath);
    try {
      store.images.insert(standinImage(layout.imagesDir));
    } finally {
      store.close();
    }
  }

  get layout() {
    return this.temp.layout;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts bangerd in the namespace and waits until it answers. */
  async start(timeoutMs = 20_000): Promise<void> {
    mkdirSync(dirname(this.layout.daemonLog), { recursive: true });
    const out = openSync(join(this.temp.root, 'bangerd.out'), 'a');
    this.child = spawn('ip', ['netns', 'exec', this.netns.name, process.execPath, ...this.nodeArgs, this.daemonMain], {
      env: this.temp.env,
      stdio: ['ignore', out, out],
    });
    // A kill -9'd daemon leaves its socket file behind: wait for an answer, not the file.
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break;
      if (await socketAnswers(this.layout.daemonSocket, 500)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`bangerd did not come up:\n${this.output()}`);
  }

  async client(): Promise<RpcClient> {
    const c = await RpcClient.connect(this.layout.daemonSocket, { timeoutMs: 120_000 });
    this.clients.push(c);
    return c;
  }

  /** SIGKILL bangerd (stand-in VMs, detached, survive like real VMMs). */
  async kill9(): Promise<void> {
    const pid = this.child?.pid;
    for (const c of this.clients) c.close();
    this.clients = [];
    if (pid === undefined) return;
    process.kill(pid, 'SIGKILL');
    await waitGone(pid, 10_000);
    this.child = undefined;
  }

  /** Graceful stop (SIGTERM) and wait for exit. */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    for (const c of this.clients) c.close();
    this.clients = [];
    if (pid === undefined || !isAlive(pid)) return;
    process.kill(pid, 'SIGTERM');
    if (!(await waitGone(pid, 60_000))) process.kill(pid, 'SIGKILL');
    this.child = undefined;
  }

  /** The built CLI inside the namespace with this daemon's environment; exit code 124 on timeout. */
  cli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile('ip', ['netns', 'exec', this.netns.name, process.execPath, CLI_MAIN, ...args], { env: this.temp.env as NodeJS.ProcessEnv, timeout: timeoutMs }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 124) : 0, stdout, stderr }),
      );
    });
  }

  /** Tap devices with this run's prefix inside the namespace. */
  taps(): string[] {
    const out = this.netns.exec('ip', ['-o', 'link', 'show']);
    return [...out.matchAll(/^\d+: ([^:@]+)[:@]/gm)].map((m) => m[1]!).filter((n) => n.startsWith(this.tapPrefix));
  }

  /** `dig` inside the namespace: the A record, or null with the status (NXDOMAIN...). */
  dig(name: string): { ip: string | null; status: string } {
    // No reply at all (dig exits non-zero) right after a restart means bangerd's DNS is still coming up
    // (rows already say running): ask again, a bounded number of times, rather than read it as an answer.
    let out = '';
    for (let attempt = 1; ; attempt++) {
      try {
        out = this.netns.exec('dig', ['@127.0.0.1', '-p', String(this.dnsPort), '+tries=2', '+time=2', name, 'A']);
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500); // dig is sync, so is the pause
      }
    }
    const status = /status: ([A-Z]+)/.exec(out)?.[1] ?? 'unknown';
    const ip = new RegExp(`^${name.replace(/\./g, '\\.')}\\.\\s+\\d+\\s+IN\\s+A\\s+(\\S+)`, 'm').exec(out)?.[1] ?? null;
    return { ip, status };
  }

  /** Stand-in VMM processes started for this daemon (their argv names a socket under our runtime dir). */
  standinPids(): number[] {
    return processesUnder(this.temp.root).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('banger-standin:');
      } catch {
        return false;
      }
    });
  }

  output(): string {
    const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
    return `${read(join(this.temp.root, 'bangerd.out'))}\n${read(this.layout.daemonLog).split('\n').slice(-60).join('\n')}`;
  }

  /** Kills everything under the temp root, deletes the namespace (taps, bridge, rules go with it) and the dirs. */
  async cleanup(): Promise<void> {
    for (const c of this.clients) c.close();
    const pids = processesUnder(this.temp.root);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const pid of pids) await waitGone(pid, 5000);
    // `ip netns del` can fail transiently while the last process in it is exiting: retry and check.
    for (let i = 0; i < 5 && this.ownsNetns; i++) {
      this.netns.delete();
      if (!execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(this.netns.name)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    this.temp.remove();
  }
}

function standinImage(imagesDir: string): Image {
  const id = 'f'.repeat(32);
  const at = new Date().toISOString();
  return {
    id,
    name: 'standin',
    profile: 'minimal',
    managed: false,
    artifactDir: join(imagesDir, id),
    rootfsPath: join(imagesDir, id, 'rootfs.ext4'),
    kernelPath: join(imagesDir, id, 'vmlinuz'),
    createdAt: at,
    updatedAt: at,
  };
}
