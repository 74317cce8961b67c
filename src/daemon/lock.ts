import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { BusyError } from '../errors/index.js';

export interface LockProbe {
  /** True when `pid` is a live process that looks like bangerd. */
  isDaemonAlive(pid: number): boolean;
  /** True when something answers JSON-RPC on the daemon socket. */
  socketAnswers(): Promise<boolean>;
}

export interface DaemonLock {
  readonly path: string;
  /**
   * True when the lock file still names this process, re-creating it if it has
   * vanished; false when another daemon now holds it (a racing stale takeover).
   */
  reassert(): boolean;
  /** Removes the lock file if it still names this process. Idempotent. */
  release(): void;
}

/**
 * Single-instance lock: a file holding our pid, created with O_EXCL. An
 * existing lock is stale when its pid is dead or is not bangerd (pid reuse
 * after kill -9); then it is removed and taken. A live holder is refused:
 * with "already running" when it answers on the socket, otherwise with
 * "starting or hung".
 */
export async function acquireLock(path: string, probe: LockProbe, pid = process.pid): Promise<DaemonLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createWithPid(path, pid)) return makeLock(path, pid);
    const holder = readPid(path);
    if (holder !== undefined && holder !== pid && probe.isDaemonAlive(holder)) {
      if (await probe.socketAnswers()) {
        throw new BusyError(`bangerd is already running (pid ${holder})`, {
          code: 'daemon.running',
          hint: 'use it, or stop it first: banger daemon stop',
        });
      }
      throw new BusyError(`another bangerd (pid ${holder}) holds ${path} but is not answering yet`, {
        code: 'daemon.starting',
        hint: `wait a moment and retry; if it is hung: kill ${holder}`,
      });
    }
    // Stale (dead pid, reused pid, or unreadable): remove and retry the O_EXCL create.
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new BusyError(`could not take the daemon lock ${path}`, { code: 'daemon.lock', hint: 'another bangerd is racing to start; retry' });
}

/**
 * Creates `path` already holding `pid`: write a private temp file, then link(2)
 * it into place, which fails with EEXIST atomically. (open O_EXCL then write
 * leaves a moment where a racing daemon reads an empty lock and calls it stale.)
 */
function createWithPid(path: string, pid: number): boolean {
  const tmp = `${path}.${pid}.${process.hrtime.bigint()}`;
  writeFileSync(tmp, `${pid}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** The pid in a lock file, or undefined when missing or unreadable. */
export function readPid(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Linux: a live process whose command line mentions the daemon entry point. */
export function isDaemonProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but not ours; treat as alive so we never steal another user's lock.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /bangerd|daemon[/\\]main\.[jt]s/.test(cmdline);
  } catch {
    return false; // exited between the two checks
  }
}

function makeLock(path: string, pid: number): DaemonLock {
  let released = false;
  return {
    path,
    reassert: () => readPid(path) === pid || createWithPid(path, pid),
    release() {
      if (released) return;
      released = true;
      if (readPid(path) === pid) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}
