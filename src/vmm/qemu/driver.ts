import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VmmError } from '../../errors/index.js';
import type { Accel } from '../accel.js';
import type {
  StopOutcome, VmmDriver, VmmLaunchSpec, VmmProcessHandle, VmmStatus,
} from '../../model/vmm.js';
import { findProcesses, isProcessAlive, readProcStat, signalProcess, stopThenKill, waitForExit } from '../../host/proc/index.js';
import { buildQemuArgs } from './args.js';
import type { QemuMachine } from './machine.js';
import { QmpClient } from './qmp-client.js';
import { qemuIncoming, qemuSnapshot, removeLayerNames } from './snapshot.js';

export interface QemuDriverOptions {
  /** Decided by the accelerator probe (chooseAccel). */
  accel: Accel;
  /** @default microvm under KVM, pc under TCG (machine.ts) */
  machine?: QemuMachine;
  /** @default 'qemu-system-x86_64' */
  binary?: string;
  /** How long launch waits for QMP to answer. @default 15000 */
  launchTimeoutMs?: number;
  /** Default graceful-stop bound before kill. @default 30000 */
  stopTimeoutMs?: number;
  /**
   * Argument-array prefix that runs the binary, e.g. ['ip', 'netns', 'exec',
   * NS] so tests keep their taps inside a network namespace. It must exec
   * the binary (same pid), as `ip netns exec` does. @default none
   */
  launcher?: readonly string[];
}

/**
 * QEMU backend. launch = spawn detached (the VM outlives a daemon restart),
 * then wait for QMP and check the machine is running. stop = QMP
 * system_powerdown (ACPI power button, the guest syncs and powers off;
 * -no-reboot makes QEMU exit), then SIGKILL after the bound. pause/resume =
 * QMP stop/cont (both idempotent in QEMU).
 */
export function createQemuDriver(opts: QemuDriverOptions): VmmDriver {
  const binary = opts.binary ?? 'qemu-system-x86_64';
  const launchTimeoutMs = opts.launchTimeoutMs ?? 15_000;
  const pidFileOf = (spec: VmmLaunchSpec): string => join(dirname(spec.apiSockPath), 'qemu.pid');

  async function removeRuntimeFiles(apiSockPath: string, agentSockPath?: string): Promise<void> {
    await rm(apiSockPath, { force: true });
    await rm(join(dirname(apiSockPath), 'qemu.pid'), { force: true });
    if (agentSockPath) await rm(agentSockPath, { force: true });
  }

  /** Runs one QMP command on a live VMM; VmmError with a hint when the process is gone or QMP fails. */
  async function command(h: VmmProcessHandle, cmd: 'stop' | 'cont' | 'set_link', what: string, args?: Record<string, unknown>): Promise<void> {
    if (!(await isProcessAlive(h.pid, h.pidStartTime))) {
      throw new VmmError(`cannot ${what} VM: qemu pid ${h.pid} is not running`, {
        code: 'vmm.not_running',
        hint: 'the VM has stopped; start it again (banger vm start)',
      });
    }
    let qmp: QmpClient | undefined;
    try {
      qmp = await QmpClient.connect(h.apiSockPath, { timeoutMs: 5000 });
      // A snapshot cut short (bangerd killed mid-way) leaves a migration waiting with the guest stopped: end it first.
      if (cmd === 'cont') {
        const m = await qmp.execute<{ status?: string }>('query-migrate');
        if (m.status && !['completed', 'failed', 'cancelled', 'none'].includes(m.status)) {
          await qmp.execute('migrate_cancel');
          for (let i = 0; i < 100; i++) {
            const now = await qmp.execute<{ status?: string }>('query-migrate');
            if (!now.status || ['failed', 'cancelled', 'completed', 'none'].includes(now.status)) break;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }
      await qmp.execute(cmd, args);
    } catch (e) {
      throw new VmmError(`cannot ${what} VM (qemu pid ${h.pid}): ${(e as Error).message}`, {
        cause: e,
        code: 'vmm.qmp_failed',
        hint: 'the VMM may be hung; stop the VM with --force',
      });
    } finally {
      qmp?.close();
    }
  }

  const driver = {

    async prepare(spec: VmmLaunchSpec): Promise<void> {
      await mkdir(dirname(spec.apiSockPath), { recursive: true, mode: 0o700 });
      await mkdir(dirname(spec.agentSockPath), { recursive: true, mode: 0o700 });
      await mkdir(dirname(spec.logPath), { recursive: true });
      // A live VMM on this socket means the VM is already running: leave it alone.
      if ((await findProcesses(spec.apiSockPath, 'qemu')).length > 0) return;
      await removeRuntimeFiles(spec.apiSockPath, spec.agentSockPath);
      // Names the last process's snapshots gave their layers: no process can reopen them now.
      for (const d of [spec.rootDisk, spec.workDisk]) if (d) await removeLayerNames(d.path);
    },

    async launch(spec: VmmLaunchSpec, lo: { signal?: AbortSignal } = {}): Promise<VmmProcessHandle> {
      if (lo.signal?.aborted) throw new VmmError(`launch of ${spec.name} cancelled`, { code: 'vmm.aborted' });
      const args = buildQemuArgs(spec, { accel: opts.accel, ...(opts.machine ? { machine: opts.machine } : {}), pidFile: pidFileOf(spec) });
      const log = await open(spec.logPath, 'a');
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let child;
      try {
        const [cmd, ...pre] = [...(opts.launcher ?? []), binary];
        child = spawn(cmd!, [...pre, ...args], { detached: true, stdio: ['ignore', log.fd, log.fd] });
      } finally {
        await log.close();
      }
      const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
      child.once('exit', (code, signal) => {
        exited = { code, signal };
      });
      child.unref();
      const pid = child.pid;
      const fail = async (msg: string, hint?: string): Promise<never> => {
        if (pid) {
          await signalProcess(pid, undefined, 'SIGKILL');
          await waitForExit(pid, undefined, 5000);
        }
        await removeRuntimeFiles(spec.apiSockPath, spec.agentSockPath);
        throw new VmmError(msg, { hint: hint ?? `see ${spec.logPath}`, code: 'vmm.launch_failed' });
      };
      if (!pid) {
        const e = await spawnError;
        return fail(`cannot start ${binary}: ${e.message}`, 'install qemu-system-x86 (apt-get install qemu-system-x86)');
      }
      const startTime = (await readProcStat(pid))?.startTime;
      const deadline = Date.now() + launchTimeoutMs;
      let qmp: QmpClient | undefined;
      while (!qmp) {
        if (lo.signal?.aborted) return fail(`launch of ${spec.name} cancelled`);
        if (exited) {
          const tail = await logTail(spec.logPath);
          return fail(`qemu exited during launch (${exited.code ?? exited.signal}): ${tail}`);
        }
        if (Date.now() > deadline) return fail(`qemu did not open its QMP socket within ${launchTimeoutMs} ms`);
        try {
          qmp = await QmpClient.connect(spec.apiSockPath, { timeoutMs: 2000, signal: lo.signal });
        } catch {
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      try {
        if (spec.restore) {
          await qemuIncoming(qmp, dirname(spec.apiSockPath), spec.restore.statePath, { signal: lo.signal, timeoutMs: launchTimeoutMs * 4, isolated: spec.restore.isolated === true });
        } else {
          const st = await qmp.execute<{ status: string; running: boolean }>('query-status');
          if (!st.running) return await fail(`qemu started but the machine is ${st.status}`);
        }
      } catch (e) {
        if (spec.restore) {
          // A stream QEMU cannot read makes it exit: its own words are in the log.
          await new Promise((r) => setTimeout(r, 100));
          const why = exited ? await logTail(spec.logPath) : (e as Error).message;
          return fail(`cannot restore snapshot ${spec.restore.statePath}: ${why}`, (e as VmmError).hint ?? 'the snapshot file is damaged or was made by another QEMU: delete the snapshot and take a new one');
        }
        return fail(`qemu QMP query-status failed: ${(e as Error).message}`);
      } finally {
        qmp.close();
      }
      return { pid, pidStartTime: startTime, apiSockPath: spec.apiSockPath };
    },

    async stop(h: VmmProcessHandle, so: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<StopOutcome> {
      if (!(await isProcessAlive(h.pid, h.pidStartTime))) {
        await removeRuntimeFiles(h.apiSockPath);
        return 'already-stopped';
      }
      const timeoutMs = so.timeoutMs ?? opts.stopTimeoutMs ?? 30_000;
      return stopThenKill(h, {
        request: async () => {
          const qmp = await QmpClient.connect(h.apiSockPath, { timeoutMs: Math.min(5000, timeoutMs), signal: so.signal });
          try {
            // A paused guest cannot see the power button: let it run first. A failure
            // here (e.g. a machine in a state cont refuses) must not block the powerdown.
            await qmp.execute('cont').catch(() => undefined);
            await qmp.execute('system_powerdown');
          } finally {
            qmp.close();
          }
        },
        timeoutMs,
        signal: so.signal,
        cleanup: () => removeRuntimeFiles(h.apiSockPath),
        kill: () => driver.kill(h),
      });
    },

    async kill(h: VmmProcessHandle): Promise<void> {
      await signalProcess(h.pid, h.pidStartTime, 'SIGKILL');
      if (!(await waitForExit(h.pid, h.pidStartTime, 10_000))) {
        throw new VmmError(`qemu pid ${h.pid} survived SIGKILL`, { hint: 'check for a stuck process in D state (ps -o stat)' });
      }
      await removeRuntimeFiles(h.apiSockPath);
    },

    async inspect(h: VmmProcessHandle): Promise<VmmStatus> {
      if (!(await isProcessAlive(h.pid, h.pidStartTime))) return { alive: false };
      try {
        const qmp = await QmpClient.connect(h.apiSockPath, { timeoutMs: 2000 });
        try {
          const st = await qmp.execute<{ status: string }>('query-status');
          return { alive: true, status: st.status };
        } finally {
          qmp.close();
        }
      } catch {
        return { alive: true, status: 'unreachable' };
      }
    },

    async pause(h: VmmProcessHandle): Promise<void> {
      await command(h, 'stop', 'pause');
    },

    async resume(h: VmmProcessHandle): Promise<void> {
      await command(h, 'cont', 'resume');
    },

    async setLink(h: VmmProcessHandle, up: boolean): Promise<void> {
      await command(h, 'set_link', up ? 'plug the network of' : 'unplug the network of', { name: 'net0', up });
    },

    async snapshot(h, req, so = {}) {
      if (!(await isProcessAlive(h.pid, h.pidStartTime))) {
        throw new VmmError(`cannot snapshot VM: qemu pid ${h.pid} is not running`, { code: 'vmm.not_running', hint: 'the VM has stopped; start it again (banger vm start)' });
      }
      return qemuSnapshot(h, req, so);
    },
  } satisfies VmmDriver;
  return driver;
}

async function logTail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(-3).join(' | ') || 'no output';
}
