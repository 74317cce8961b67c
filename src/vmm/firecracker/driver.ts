import { spawn } from 'node:child_process';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BangerError, VmmError } from '../../errors/index.js';
import type {
  StopOutcome, VmmDriver, VmmLaunchSpec, VmmProcessHandle, VmmSnapshotRequest, VmmSnapshotResult, VmmStatus,
} from '../../model/vmm.js';
import { findProcesses, isProcessAlive, readProcStat, signalProcess, stopThenKill, waitForExit } from '../../host/proc/index.js';
import { fcCall, fcRequest } from './api-client.js';
import { bootSequence, restoreMemoryPath, restoreSequence, type FcCall } from './config.js';
import { reflinkFile, type CloneFile } from './reflink.js';
import { takeSnapshot } from './snapshot.js';
import { requireFirecracker } from './binary.js';
import { createJail, type JailSettings } from './jail.js';

export interface FirecrackerDriverOptions {
  /** Config `firecracker_bin`. @default `firecracker` on PATH */
  binary?: string;
  /** Config `jailer_bin` and `jailer_chroot_base` with the root helper: launch through the jailer. */
  jail?: JailSettings;
  /** @default 10000 */
  launchTimeoutMs?: number;
  /** @default 30000 */
  stopTimeoutMs?: number;
  /** How snapshot freezes a disk. @default a reflink clone (tests inject one: this host's filesystem has none) */
  cloneFile?: CloneFile;
}

async function send(apiSockPath: string, calls: FcCall[], signal?: AbortSignal): Promise<void> {
  for (const c of calls) await fcCall(apiSockPath, c.method, c.path, c.body, { signal, ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}) });
}

/** Sends the boot sequence to an API socket that is already listening. Exported for the contract test. */
export async function configureAndStart(spec: VmmLaunchSpec, opts: { signal?: AbortSignal; socket?: string; fcLogPath?: string } = {}): Promise<void> {
  await send(opts.socket ?? spec.apiSockPath, bootSequence(spec, opts.fcLogPath ?? fcLogPath(spec)), opts.signal);
}

/** Loads spec.restore into a fresh, listening Firecracker and resumes it. Exported for the contract test. */
export async function restoreAndResume(spec: VmmLaunchSpec, opts: { signal?: AbortSignal; socket?: string; fcLogPath?: string } = {}): Promise<void> {
  await send(opts.socket ?? spec.apiSockPath, restoreSequence(spec, opts.fcLogPath ?? fcLogPath(spec)), opts.signal);
}

/** Asks the guest to reboot via the i8042 controller; Firecracker exits when it resets. */
export async function sendCtrlAltDel(apiSockPath: string, signal?: AbortSignal): Promise<void> {
  await fcCall(apiSockPath, 'PUT', '/actions', { action_type: 'SendCtrlAltDel' }, { signal });
}

/** Pauses or resumes the vCPUs (`PATCH /vm`); Firecracker answers 400 before InstanceStart. */
async function setVmState(apiSockPath: string, state: 'Paused' | 'Resumed', signal?: AbortSignal): Promise<void> {
  await fcCall(apiSockPath, 'PATCH', '/vm', { state }, { signal });
}

const fcLogPath = (spec: VmmLaunchSpec): string => join(dirname(spec.logPath), 'firecracker.log');

/** A VMM process just started, and the spec its API bodies carry. */
interface Started {
  pid: number | undefined;
  apiSpec: VmmLaunchSpec;
  fcLogPath: string;
  /** Direct launches only: the spawn's error, and whether the child has exited (our child). */
  spawnErr?: Promise<Error>;
  exited?: () => boolean;
}

/** Spawns Firecracker as bangerd's own detached child, console to the VM's log. */
async function spawnDirect(spec: VmmLaunchSpec, bin: string): Promise<Started> {
  // Firecracker opens its logger and metrics files and never creates them (docs/logger.md).
  for (const f of [fcLogPath(spec), spec.metricsPath]) if (f) await (await open(f, 'a')).close();
  const log = await open(spec.logPath, 'a');
  let exited = false;
  try {
    const child = spawn(bin, ['--api-sock', spec.apiSockPath, '--id', spec.vmId.slice(0, 12)], { detached: true, stdio: ['ignore', log.fd, log.fd] });
    // Listeners before any await: 'error' and 'exit' may come on the next turn of the loop.
    const spawnErr = new Promise<Error>((r) => child.once('error', r));
    child.once('exit', () => {
      exited = true;
    });
    child.unref();
    return { pid: child.pid, apiSpec: spec, fcLogPath: fcLogPath(spec), spawnErr, exited: () => exited };
  } finally {
    await log.close();
  }
}

/**
 * Firecracker backend: spawn with --api-sock (detached), wait until GET /
 * answers, PUT the boot sequence, InstanceStart. Stop = Resumed (a paused guest
 * cannot see the key press), SendCtrlAltDel, then SIGKILL after the bound.
 * pause/resume = PATCH /vm Paused/Resumed. A launch with `restore` loads the
 * snapshot instead of booting (see restoreSequence); snapshot = snapshot.ts.
 * Needs an uncompressed vmlinux with virtio-mmio (ACPI, Firecracker >= 1.8)
 * and a raw root disk.
 */
export function createFirecrackerDriver(opts: FirecrackerDriverOptions = {}): VmmDriver {
  const binary = opts.binary;
  const launchTimeoutMs = opts.launchTimeoutMs ?? 10_000;
  const cloneFile = opts.cloneFile ?? reflinkFile;
  const jail = opts.jail ? createJail(opts.jail) : undefined;

  /** A jailed VM's jail goes with its process; the socket links go too. */
  async function cleanupJail(apiSockPath: string, agentSockPath?: string): Promise<void> {
    await jail?.removeForSocket(apiSockPath);
    if (agentSockPath) await rm(agentSockPath, { force: true });
  }

  async function afterExit(h: VmmProcessHandle): Promise<void> {
    if (jail) await cleanupJail(h.apiSockPath);
    await rm(h.apiSockPath, { force: true });
  }

  async function assertAlive(h: VmmProcessHandle, what: string): Promise<void> {
    if (!(await isProcessAlive(h.pid, h.pidStartTime))) {
      throw new VmmError(`cannot ${what} VM: firecracker pid ${h.pid} is not running`, {
        code: 'vmm.not_running',
        hint: 'the VM has stopped; start it again (banger vm start)',
      });
    }
  }

  async function changeState(h: VmmProcessHandle, state: 'Paused' | 'Resumed', what: string): Promise<void> {
    await assertAlive(h, what);
    try {
      await setVmState(h.apiSockPath, state);
    } catch (e) {
      // fcCall's rejections already carry Firecracker's fault and a hint; socket errors do not.
      if (e instanceof VmmError && e.hint) throw e;
      throw new VmmError(`cannot ${what} VM (firecracker pid ${h.pid}): ${(e as Error).message}`, {
        cause: e,
        code: 'vmm.api_failed',
        hint: 'the VMM may be hung; stop the VM with --force',
      });
    }
  }

  const driver = {

    async prepare(spec: VmmLaunchSpec): Promise<void> {
      await mkdir(dirname(spec.apiSockPath), { recursive: true, mode: 0o700 });
      await mkdir(dirname(spec.logPath), { recursive: true });
      // A jailed Firecracker's argv names its chroot socket (/api.sock) and the full VM id, not our path.
      if ((await findProcesses(jail ? spec.vmId : spec.apiSockPath, 'firecracker')).length > 0) return;
      // Both sockets are bound by Firecracker, which fails if the files exist.
      await rm(spec.apiSockPath, { force: true });
      await rm(spec.agentSockPath, { force: true });
    },

    async launch(spec: VmmLaunchSpec, lo: { signal?: AbortSignal } = {}): Promise<VmmProcessHandle> {
      // A restore that cannot work is refused before any process starts.
      if (spec.restore) restoreMemoryPath(spec);
      const bin = await requireFirecracker(binary);
      let started: Started;
      if (jail) {
        // The console log is the owner's: made here, appended to by the jailer the helper runs.
        await (await open(spec.logPath, 'a')).close();
        started = await jail.start(spec, bin).catch(async (e: unknown) => {
          await cleanupJail(spec.apiSockPath, spec.agentSockPath);
          if (e instanceof BangerError) throw e;
          throw new VmmError(`jailed launch of ${spec.name} failed: ${(e as Error).message}`, { cause: e, code: 'vmm.launch_failed', hint: 'see bangerd.log and the helper log' });
        });
      } else {
        started = await spawnDirect(spec, bin);
      }
      const exited = () => started.exited?.() ?? false;
      const pid = started.pid;
      const fail = async (msg: string, hint?: string, code = 'vmm.launch_failed'): Promise<never> => {
        if (pid) {
          await signalProcess(pid, undefined, 'SIGKILL');
          await waitForExit(pid, undefined, 5000);
        }
        if (jail) await cleanupJail(spec.apiSockPath, spec.agentSockPath).catch(() => undefined);
        await rm(spec.apiSockPath, { force: true });
        await rm(spec.agentSockPath, { force: true });
        throw new VmmError(msg, { hint: hint ?? `see ${spec.logPath}`, code });
      };
      if (!pid) return fail(`cannot start ${bin}: ${(await started.spawnErr)?.message ?? 'no pid'}`, 'check firecracker_bin (banger doctor), or use vmm = "qemu"');
      const startTime = (await readProcStat(pid))?.startTime;
      const deadline = Date.now() + launchTimeoutMs;
      for (;;) {
        if (lo.signal?.aborted) return fail(`launch of ${spec.name} cancelled`);
        if (exited() || (jail && !(await isProcessAlive(pid, startTime)))) return fail(`firecracker exited during launch${jail ? ' (through the jailer)' : ''}`);
        if (Date.now() > deadline) return fail(`firecracker API socket did not answer within ${launchTimeoutMs} ms`);
        const ok = await fcRequest(spec.apiSockPath, 'GET', '/', undefined, { timeoutMs: 1000 }).then((r) => r.status === 200, () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      if (jail) {
        // Firecracker runs as the owner once the jailer drops privileges, so the socket it bound is the owner's.
        const owner = (await stat(spec.apiSockPath).catch(() => undefined))?.uid;
        const me = process.getuid?.();
        if (me !== undefined && owner !== me) return fail(`the jailed API socket is owned by uid ${owner}, not bangerd's ${me}`, 'the jailer must drop to the owner (--uid); check jailer_bin');
      }
      const send = { ...lo, socket: spec.apiSockPath, fcLogPath: started.fcLogPath };
      try {
        await (spec.restore ? restoreAndResume(started.apiSpec, send) : configureAndStart(started.apiSpec, send));
      } catch (e) {
        if (!spec.restore) return fail((e as Error).message);
        return fail(
          `restore of ${spec.name} failed: ${(e as Error).message}`,
          `see ${jail ? 'firecracker.log in the jail' : fcLogPath(spec)}; a snapshot loads only into the Firecracker version, host kernel and CPU that took it, with the snapshotted VM's disk files still in place`,
          'vmm.restore_failed',
        );
      }
      return { pid, pidStartTime: startTime, apiSockPath: spec.apiSockPath };
    },

    async stop(h: VmmProcessHandle, so: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<StopOutcome> {
      if (!(await isProcessAlive(h.pid, h.pidStartTime))) {
        // Gone already (a crash, or a bangerd that died meanwhile): its jail and socket link still go.
        await afterExit(h);
        return 'already-stopped';
      }
      const timeoutMs = so.timeoutMs ?? opts.stopTimeoutMs ?? 30_000;
      return stopThenKill(h, {
        request: async () => {
          // Idempotent on a running VM; failure (e.g. not started yet) must not block the stop.
          await setVmState(h.apiSockPath, 'Resumed', so.signal).catch(() => undefined);
          await sendCtrlAltDel(h.apiSockPath, so.signal);
        },
        timeoutMs,
        signal: so.signal,
        cleanup: () => afterExit(h),
        kill: () => driver.kill(h),
      });
    },

    async kill(h: VmmProcessHandle): Promise<void> {
      await signalProcess(h.pid, h.pidStartTime, 'SIGKILL');
      if (!(await waitForExit(h.pid, h.pidStartTime, 10_000))) throw new VmmError(`firecracker pid ${h.pid} survived SIGKILL`);
      await afterExit(h);
    },

    async inspect(h: VmmProcessHandle): Promise<VmmStatus> {
      if (!(await isProcessAlive(h.pid, h.pidStartTime))) return { alive: false };
      const res = await fcRequest(h.apiSockPath, 'GET', '/', undefined, { timeoutMs: 2000 }).catch(() => undefined);
      return { alive: true, status: (res?.body as { state?: string } | undefined)?.state ?? 'unreachable' };
    },

    async pause(h: VmmProcessHandle): Promise<void> {
      await changeState(h, 'Paused', 'pause');
    },

    async resume(h: VmmProcessHandle): Promise<void> {
      await changeState(h, 'Resumed', 'resume');
    },

    async snapshot(h: VmmProcessHandle, req: VmmSnapshotRequest, so: { signal?: AbortSignal } = {}): Promise<VmmSnapshotResult> {
      await assertAlive(h, 'snapshot');
      const outputs = jail ? await jail.snapshotOutputs(h.apiSockPath) : undefined;
      return takeSnapshot(h, req, { clone: cloneFile, signal: so.signal, ...(outputs ? { outputs } : {}) });
    },

    // Firecracker has no link control: a restored copy comes up on its own new tap (network_overrides).
    async setLink(): Promise<void> {},
  } satisfies VmmDriver;
  return driver;
}
