import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { DaemonUnavailableError } from '../errors/index.js';
import { findStartFailure, logOffset, readSince } from './daemon-log.js';
import type { Env, Layout } from '../host/layout.js';
import { distPath } from '../host/package-root.js';
// Direct modules, not the rpc barrel: it pulls in the server side, ~25 ms of module loading for every CLI call.
import { RpcClient } from '../rpc/client.js';
import { PROTOCOL_VERSION } from '../rpc/protocol.js';
import { packageVersion } from '../wire/version.js';
import { startWaitNotice } from './wait-notice.js';

export interface EnsureDaemonOptions {
  env: Env;
  /** Total wait for a freshly spawned daemon to answer. @default 10000 */
  startTimeoutMs?: number;
  /** Path of the daemon entry point. @default dist/src/daemon/main.js next to this module */
  daemonMain?: string;
  /** No "waiting for bangerd to start" notice on stderr (--json). */
  quiet?: boolean;
}

/** The daemon entry under the package root, so it works from a checkout, the bundle and an npm-installed bin. */
export function defaultDaemonMain(): string {
  return distPath('src/daemon/main.js');
}

/**
 * Returns a client connected to a daemon that speaks our protocol and
 * version, starting bangerd (detached, output to its log) when the socket
 * does not answer and restarting it when the versions differ.
 * @throws DaemonUnavailableError quoting bangerd's reason from the log (and naming the file) when it does not come up.
 */
export async function ensureDaemon(layout: Layout, opts: EnsureDaemonOptions): Promise<RpcClient> {
  let existing = await tryHello(layout.daemonSocket);
  if (!existing && (await socketAccepts(layout.daemonSocket))) {
    // A daemon is listening but slow to answer (busy with many clients): wait for it rather than
    // spawning a second one, which loses the lock race and made this call fail with "did not start".
    const deadline = Date.now() + BUSY_WAIT_MS;
    while (!existing && Date.now() < deadline) existing = await tryHello(layout.daemonSocket, 5000);
    if (!existing) {
      throw new DaemonUnavailableError(`bangerd at ${layout.daemonSocket} accepts connections but has not answered for ${BUSY_WAIT_MS / 1000} s`, {
        code: 'daemon.unresponsive',
        hint: `it may be overloaded or stuck: retry, or restart it (banger daemon stop); see ${layout.daemonLog}`,
      });
    }
  }
  if (existing) {
    if (existing.compatible) return existing.client;
    // An older or newer bangerd is still running (e.g. after an upgrade): replace it.
    await shutdownAndWait(existing.client, existing.pid, 10_000);
  }
  // Where this attempt's lines start in the shared log, so a failure quotes this start and not an older one.
  const logFrom = logOffset(layout.daemonLog);
  const child = await spawnDaemon(layout, opts);
  const limitMs = opts.startTimeoutMs ?? 10_000;
  const deadline = Date.now() + limitMs;
  // Only shown past a second (a first start that migrates a database, a loaded host): what we wait for, and the limit.
  const notice = startWaitNotice('bangerd to start', limitMs, { enabled: opts.quiet !== true });
  try {
    return await awaitStarted(layout, child, deadline, logFrom);
  } finally {
    notice.stop();
  }
}

/** Polls the socket until the spawned daemon answers hello, or fails quoting this attempt's reason from its log. */
async function awaitStarted(layout: Layout, child: ChildProcess, deadline: number, logFrom: number): Promise<RpcClient> {
  let exitedAt: number | undefined;
  child.once('exit', () => (exitedAt = Date.now()));
  for (let delay = 25; Date.now() < deadline; delay = Math.min(delay * 2, 200)) {
    const hello = await tryHello(layout.daemonSocket);
    if (hello?.compatible) return hello.client;
    hello?.client.close();
    // The child gave up (e.g. another daemon won the race): allow a moment for that one, then fail.
    if (exitedAt !== undefined && Date.now() - exitedAt > 1500) break;
    await sleep(delay);
  }
  throw startFailed(layout.daemonLog, logFrom);
}

/** "bangerd did not start: <its reason>" when this attempt's log lines give one, else where to look. */
function startFailed(logPath: string, from: number): DaemonUnavailableError {
  const found = findStartFailure(readSince(logPath, from));
  if (!found) {
    return new DaemonUnavailableError(`bangerd did not start; see ${logPath}`, {
      code: 'daemon.start_failed',
      hint: `read the last lines: tail -n 20 ${logPath}`,
    });
  }
  return new DaemonUnavailableError(`bangerd did not start: ${found.reason}`, {
    code: 'daemon.start_failed',
    hint: `${found.hint ? `${found.hint}; ` : ''}the whole log: ${logPath}`,
  });
}

/** How long a CLI waits for a daemon that accepts connections but is slow to answer. */
const BUSY_WAIT_MS = 30_000;

/** True when something accepts a connection on the socket (a live daemon, however busy). */
function socketAccepts(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Connects and says hello; undefined when nothing answers. */
export async function tryHello(
  socketPath: string,
  timeoutMs = 1000,
): Promise<{ client: RpcClient; pid: number; compatible: boolean } | undefined> {
  let client: RpcClient | undefined;
  try {
    client = await RpcClient.connect(socketPath, { timeoutMs });
    const hello = await client.call('daemon.hello', { clientVersion: packageVersion() }, { timeoutMs });
    const compatible = hello.protocol === PROTOCOL_VERSION && hello.version === packageVersion();
    return { client, pid: hello.pid, compatible };
  } catch {
    client?.close();
    return undefined;
  }
}

/**
 * Asks the daemon to stop and waits until its process is gone. Escalates to
 * SIGTERM halfway through the wait (a wedged handler), never to SIGKILL.
 */
export async function shutdownAndWait(client: RpcClient, pid: number, timeoutMs: number): Promise<void> {
  try {
    await client.call('daemon.shutdown', {}, { timeoutMs: 2000 });
  } catch {
    // The connection may drop before the reply; the wait below is what counts.
  } finally {
    client.close();
  }
  const deadline = Date.now() + timeoutMs;
  let termed = false;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    if (!termed && Date.now() > deadline - timeoutMs / 2) {
      termed = true;
      signal(pid, 'SIGTERM');
    }
    await sleep(50);
  }
  throw new DaemonUnavailableError(`bangerd (pid ${pid}) did not stop within ${Math.round(timeoutMs / 1000)} s`, {
    code: 'daemon.stop_timeout',
    hint: `kill it: kill -9 ${pid}`,
  });
}

async function spawnDaemon(layout: Layout, opts: EnsureDaemonOptions) {
  // Loaded here: only a CLI call that starts the daemon needs child_process.
  const { spawn } = await import('node:child_process');
  mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
  const logFd = openSync(layout.daemonLog, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [opts.daemonMain ?? defaultDaemonMain()], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: opts.env as NodeJS.ProcessEnv,
    });
    child.unref();
    return child;
  } finally {
    closeSync(logFd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
