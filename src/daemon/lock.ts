import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { BusyError } from '../errors/index.js';

export interface LockProbe {
  /** True when `pid` is a live process that looks like bangerd. */
  isDaemonAlive(pid: number): boolean;
  /** True when something answers JSON-RPC on the daemon socket. */
  socketAnswers(): Promise<boolean>;
}

export interface DaemonLock {
  readonly path: string;
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
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${pid}\n`);
      } finally {
        closeSync(fd);
      }
      return makeLock(path, pid);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
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
