/**
 * Stand-in VMM for tests and benches: each "VM" is a real long-lived process
 * (`sleep`, renamed via `exec -a` so its argv carries the API socket path like
 * a real VMM's does), so pids, kill -9, pid-reuse checks and reconcile are
 * real. Every step can be made slow or failing per VM. pause/resume are
 * SIGSTOP/SIGCONT, so a paused stand-in is a stopped process (state 'T').
 * snapshot writes a small JSON state file and copies the (tiny placeholder)
 * disks while the process is stopped; a restore launch only checks the state
 * file is there.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GuestError, VmmError } from '../../errors/index.js';
import type { BangerError, BangerErrorOptions } from '../../errors/index.js';
import { processStartTime, readCmdline, readProcStat } from '../../host/proc/index.js';
import type { GuestReadyPort } from '../../../machines/ports.js';
import type { StopOutcome, VmmDriver, VmmLaunchSpec, VmmProcessHandle, VmmSnapshotRequest, VmmSnapshotResult, VmmStatus } from '../../model/vmm.js';

export interface StandinStep {
  /** Wait this long first (honours abort). */
  delayMs?: number;
  /** Then fail with a VmmError (GuestError for guestReady) carrying this message. */
  fail?: string;
}

export interface StandinBehaviour {
  prepare?: StandinStep;
  /** Delay happens after the process is spawned (like waiting for the API socket). */
  launch?: StandinStep;
  guestReady?: StandinStep;
  /** `ignoreGraceful`: the "guest" ignores the powerdown request, so stop must kill after its timeout. */
  stop?: StandinStep & { ignoreGraceful?: boolean };
  /** Runs while the process is stopped, after the files are written (a failure removes them). */
  snapshot?: StandinStep;
}

/** Consulted at every call, so tests can change behaviour mid-run. Keyed by VM name. */
export type StandinBehaviours = (name: string) => StandinBehaviour;

/** argv[0] prefix of stand-in processes; leak checks look for it. */
const STANDIN_MARKER = 'banger-standin';

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortErr());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortErr());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortErr(): Error {
  const e = new VmmError('cancelled', { code: 'vmm.aborted' });
  e.name = 'AbortError';
  return e;
}

async function runStep(
  step: StandinStep | undefined,
  what: string,
  signal?: AbortSignal,
  ErrorClass: new (message: string, opts?: BangerErrorOptions) => BangerError = VmmError,
): Promise<void> {
  if (!step) return;
  if (step.delayMs) await sleep(step.delayMs, signal);
  if (step.fail) throw new ErrorClass(`${what}: ${step.fail}`, { hint: 'stand-in driver told to fail here', code: `standin.${what}` });
}

function isAlive(handle: Pick<VmmProcessHandle, 'pid' | 'pidStartTime'>): boolean {
  const start = processStartTime(handle.pid);
  return start !== null && (handle.pidStartTime === undefined || start === handle.pidStartTime);
}

async function waitGone(pid: number, startTime: number | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive({ pid, pidStartTime: startTime })) return true;
    await sleep(10);
  }
  return !isAlive({ pid, pidStartTime: startTime });
}

/** SIGSTOP'd (job-control stop, /proc state 'T'). */
function isStopped(pid: number): boolean {
  return readProcStat(pid)?.state === 'T';
}

/** Signal delivery is asynchronous: wait (briefly) until /proc shows the wanted state. */
async function waitStopped(pid: number, stopped: boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (isStopped(pid) === stopped) return true;
    if (Date.now() >= deadline) return false;
    await sleep(5);
  }
}

export function createStandinDriver(behaviour: StandinBehaviours = () => ({})): VmmDriver {
  // apiSockPath → VM name and id, for the stop behaviour and snapshot files (a handle carries neither).
  const names = new Map<string, string>();
  const vmIds = new Map<string, string>();

  const kill = async (handle: VmmProcessHandle): Promise<void> => {
    if (!isAlive(handle)) return;
    try {
      process.kill(handle.pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new VmmError(`kill ${handle.pid}: ${(err as Error).message}`, { cause: err });
    }
    if (!(await waitGone(handle.pid, handle.pidStartTime, 5_000))) throw new VmmError(`process ${handle.pid} survived SIGKILL`, { hint: 'check for a D-state process' });
  };

  const setPaused = async (handle: VmmProcessHandle, paused: boolean): Promise<void> => {
    const what = paused ? 'pause' : 'resume';
    if (!isAlive(handle)) {
      throw new VmmError(`cannot ${what} VM: stand-in pid ${handle.pid} is not running`, {
        code: 'vmm.not_running',
        hint: 'the VM has stopped; start it again (banger vm start)',
      });
    }
    // A launch returns at 'spawn', before bash has exec'd the renamed sleep: freezing bash mid-exec
    // would leave a process that is not the VMM. Wait (briefly) for the argv a real VMM shows.
    for (let i = 0; i < 200 && !(readCmdline(handle.pid)?.[0] ?? '').includes(handle.apiSockPath) && isAlive(handle); i++) await sleep(5);
    try {
      process.kill(handle.pid, paused ? 'SIGSTOP' : 'SIGCONT');
    } catch (err) {
      throw new VmmError(`${what} stand-in pid ${handle.pid}: ${(err as Error).message}`, { cause: err, hint: 'the process exited meanwhile; start the VM again' });
    }
    if (!(await waitStopped(handle.pid, paused, 5_000)) && isAlive(handle)) {
      throw new VmmError(`stand-in pid ${handle.pid} did not ${paused ? 'stop' : 'continue'}`, { hint: 'check the process state (ps -o stat)' });
    }
  };

  const snapshot = async (handle: VmmProcessHandle, req: VmmSnapshotRequest, signal?: AbortSignal): Promise<VmmSnapshotResult> => {
    const wasPaused = isAlive(handle) && isStopped(handle.pid);
    if (!wasPaused) await setPaused(handle, true); // throws vmm.not_running for a gone process
    const t0 = performance.now();
    const written: string[] = [];
    const moved: VmmSnapshotRequest['disks'] = [];
    // Exclusive creates: a file that was there before is neither overwritten nor removed on failure.
    const create = async (path: string, make: () => Promise<void>): Promise<void> => {
      try {
        await make();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') await rm(path, { force: true });
        throw e;
      }
      written.push(path);
    };
    try {
      const state = { vmId: vmIds.get(handle.apiSockPath), pid: handle.pid, takenAt: new Date().toISOString() };
      await create(req.statePath, () => writeFile(req.statePath, JSON.stringify(state) + '\n', { flag: 'wx' }));
      for (const d of req.disks) {
        const st = await stat(d.activePath).catch(() => undefined);
        if (!st) continue;
        if (await stat(d.frozenPath).catch(() => undefined)) throw new VmmError(`${d.frozenPath} already exists`, { code: 'vmm.snapshot_failed' });
        // Like QEMU's switch: the content moves to the snapshot (no copy) and the VM goes on with a new, empty sparse file.
        await rename(d.activePath, d.frozenPath);
        moved.push(d);
        await writeFile(d.activePath, '');
        await truncate(d.activePath, st.size);
      }
      await runStep(behaviour(names.get(handle.apiSockPath) ?? '').snapshot, 'snapshot', signal);
      if (signal?.aborted) throw abortErr();
    } catch (err) {
      await Promise.all(written.map((p) => rm(p, { force: true })));
      for (const d of moved.reverse()) {
        await rm(d.activePath, { force: true });
        await rename(d.frozenPath, d.activePath).catch(() => {});
      }
      if (!wasPaused) await setPaused(handle, false).catch(() => {});
      throw err instanceof VmmError ? err : new VmmError(`stand-in snapshot: ${(err as Error).message}`, { cause: err, code: 'vmm.snapshot_failed', hint: 'check the snapshot directory exists and is writable' });
    }
    if (!wasPaused) await setPaused(handle, false);
    return { pausedMs: wasPaused ? 0 : Math.round(performance.now() - t0), stateBytes: (await stat(req.statePath)).size };
  };

  return {
    async prepare(spec: VmmLaunchSpec) {
      await runStep(behaviour(spec.name).prepare, 'prepare');
      mkdirSync(dirname(spec.apiSockPath), { recursive: true });
    },

    async launch(spec: VmmLaunchSpec, { signal } = {}) {
      if (signal?.aborted) throw abortErr();
      if (spec.restore && !(await stat(spec.restore.statePath).catch(() => undefined))) {
        throw new VmmError(`cannot restore ${spec.name}: no saved state at ${spec.restore.statePath}`, {
          code: 'vmm.restore_failed',
          hint: 'the snapshot\'s files are gone; delete the snapshot and take it again',
        });
      }
      const child = spawn('bash', ['-c', 'exec -a "$0" sleep 2147483647', `${STANDIN_MARKER}:${spec.apiSockPath}`], {
        detached: true, // its own process group: survives the daemon, like a real VMM
        stdio: 'ignore',
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('error', (err) => reject(new VmmError(`spawn stand-in: ${err.message}`, { cause: err })));
        child.once('spawn', () => resolve(child.pid!));
      });
      child.unref();
      const handle: VmmProcessHandle = { pid, apiSockPath: spec.apiSockPath };
      names.set(spec.apiSockPath, spec.name);
      vmIds.set(spec.apiSockPath, spec.vmId);
      const start = processStartTime(pid);
      if (start !== null) handle.pidStartTime = start;
      try {
        await runStep(behaviour(spec.name).launch, 'launch', signal);
        if (signal?.aborted) throw abortErr();
      } catch (err) {
        await kill(handle).catch(() => {});
        throw err;
      }
      return handle;
    },

    async stop(handle, { timeoutMs = 10_000, signal } = {}): Promise<StopOutcome> {
      if (!isAlive(handle)) return 'already-stopped';
      // A stopped process leaves SIGTERM pending: continue it first, like a paused guest is resumed.
      try {
        process.kill(handle.pid, 'SIGCONT');
      } catch {
        return 'already-stopped';
      }
      const b = behaviour(names.get(handle.apiSockPath) ?? '').stop;
      // A slow shutdown is a wait on the process like a real guest's: a kill meanwhile (stop --force) ends it.
      if (b?.delayMs && (await waitGone(handle.pid, handle.pidStartTime, b.delayMs))) return 'killed';
      if (b?.fail) await runStep({ fail: b.fail }, 'stop', signal);
      if (!b?.ignoreGraceful) {
        try {
          process.kill(handle.pid, 'SIGTERM');
        } catch {
          return 'already-stopped';
        }
        if (await waitGone(handle.pid, handle.pidStartTime, timeoutMs)) return 'graceful';
      } else if (await waitGone(handle.pid, handle.pidStartTime, timeoutMs)) {
        return 'killed';
      }
      await kill(handle);
      return 'killed';
    },

    kill,

    async inspect(handle): Promise<VmmStatus> {
      const alive = isAlive(handle);
      const state = (): string => (isStopped(handle.pid) ? 'paused' : 'running');
      // Without a recorded start time, the argv (which names the socket) proves the process is ours.
      if (alive && handle.pidStartTime === undefined) {
        const ours = (readCmdline(handle.pid)?.[0] ?? '').includes(handle.apiSockPath);
        return { alive: ours, status: ours ? state() : 'foreign' };
      }
      return { alive, status: alive ? state() : 'gone' };
    },

    pause: (handle) => setPaused(handle, true),
    resume: (handle) => setPaused(handle, false),
    snapshot: (handle, req, { signal } = {}) => snapshot(handle, req, signal),
    // No network behind a stand-in: nothing to plug.
    setLink: async () => {},
  };
}

/** Ready after the configured delay, unless told to fail or the process is gone. */
export function createStandinGuest(behaviour: StandinBehaviours): GuestReadyPort {
  return {
    async waitForGuest(vm, { signal, pid }) {
      await runStep(behaviour(vm.name).guestReady, 'guestReady', signal, GuestError);
      if (processStartTime(pid) === null) throw new GuestError(`VMM process ${pid} exited before the guest was ready`, { hint: 'see the VM log' });
    },
  };
}
