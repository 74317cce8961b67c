/**
 * Real implementations of the vm machine's steps and actions, built from
 * ports. Each step announces a release to its vm actor *before* acquiring the
 * thing (write-ahead), so an abort or a daemon crash mid-step still knows
 * what to undo; every host operation is idempotent, so undoing something that
 * was announced but never acquired is harmless.
 */
import { fromPromise } from 'xstate';
import type { ActorSystem, AnyActorRef } from 'xstate';

// The system's registry is untyped by design (actors are looked up by systemId).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyActorSystem = ActorSystem<any>;
import type { VMRecord, VMState } from '../../src/model/index.js';
import { ConflictError, NotFoundError } from '../../src/errors/index.js';
import { callPrivileged } from '../helper-bridge/actors.js';
import { acquireTap } from '../tap-pool/actors.js';
import type { BangerPorts } from '../ports.js';
import type { VmmProcessHandle, VmmSnapshotResult } from '../../src/model/vmm.js';
import type {
  NetworkStepOutput,
  ReleaseInput,
  ReleaseOutput,
  SnapshotInput,
  StepInput,
  StorageStepOutput,
  VmContext,
  VmmControlInput,
  VmmStepOutput,
} from './events.js';
import { vmMachine } from './machine.js';
import { handlesFromReleases, mirrorFromReleases } from './releases.js';
import { macFromIp } from '../../src/model/ipv4.js';
import type { Release } from './releases.js';
import { STEP, failureText, tagStep } from './steps.js';

export type VmPorts = Pick<BangerPorts, 'store' | 'driverFor' | 'storage' | 'planner' | 'guest' | 'handles' | 'host' | 'logger'>;

export interface VmOptions {
  /** Bridge the taps hang off (for tap.create / nat rules). */
  bridge: string;
  /** Graceful VMM shutdown budget before kill. @default 10000 */
  stopTimeoutMs?: number;
}

interface StepArgs<I> {
  input: I;
  signal: AbortSignal;
  system: AnyActorSystem;
  self: AnyActorRef;
}

function abortError(step: string): Error {
  const e = new Error(`${step}: cancelled`);
  e.name = 'AbortError';
  return tagStep(e, step);
}

function throwIfAborted(signal: AbortSignal, step: string): void {
  if (signal.aborted) throw abortError(step);
}

/** Tags and rethrows, keeping the error's class. */
async function inStep<T>(step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw tagStep(err, step);
  }
}

/** The process handle a vmm release names, or null when no pid was recorded. */
function vmmHandleOf(r: Extract<Release, { kind: 'vmm' }>): VmmProcessHandle | null {
  if (r.pid === undefined) return null;
  return { pid: r.pid, apiSockPath: r.apiSockPath, ...(r.pidStartTime !== undefined ? { pidStartTime: r.pidStartTime } : {}) };
}

/** The running VMM's handle; a VM that got here always recorded its pid. */
function vmmHandle(input: VmmControlInput): VmmProcessHandle {
  for (const r of input.releases) {
    const handle = r.kind === 'vmm' ? vmmHandleOf(r) : null;
    if (handle) return handle;
  }
  throw new ConflictError(`VM ${input.vmId} has no VMM process on record`, { code: 'vm.no_vmm', hint: 'stop and start it again' });
}

/** The step functions, exported for tests that wrap them (gates, fault injection). */
export function createVmSteps(ports: VmPorts, opts: VmOptions) {
  const record = (vmId: string): VMRecord => {
    const vm = ports.store.get(vmId);
    if (!vm) throw new NotFoundError(`VM ${vmId} has no row`, { hint: 'it was deleted while an operation ran' });
    return vm;
  };
  /**
   * Write-ahead to the vm actor. Once the step is cancelled the vm has already taken its undo stack
   * for the rollback, so a late announcement (a port that ignored the signal) would only be recorded
   * and forgotten: release it here instead.
   */
  const announceFor = (self: AnyActorRef, signal: AbortSignal, system: AnyActorSystem, vmId: string) => (release: Release) => {
    if (!signal.aborted) {
      self._parent?.send({ type: 'vm.acquired', release });
      return;
    }
    const vmm = ports.store.get(vmId)?.vmm;
    if (!vmm) return;
    const input: ReleaseInput = { vmId, vmm, releases: [release], mode: 'rollback' };
    executeRelease(release, input, ports.driverFor(vmm), system).catch((err: unknown) =>
      ports.logger.warn({ vmId, release, err: err instanceof Error ? err.message : String(err) }, 'late release failed'),
    );
  };

  return {
    async prepareStorage({ input, signal, self, system }: StepArgs<StepInput>): Promise<StorageStepOutput> {
      throwIfAborted(signal, STEP.storage);
      const releases: Release[] = [];
      const announce = announceFor(self, signal, system, input.vmId);
      const storage = await inStep(STEP.storage, () =>
        ports.storage.prepare(record(input.vmId), {
          signal,
          announce: (r) => {
            releases.push(r);
            announce(r);
          },
        }),
      );
      return { releases, storage };
    },

    async acquireNetwork({ input, signal, system, self }: StepArgs<StepInput>): Promise<NetworkStepOutput> {
      throwIfAborted(signal, STEP.networkTap);
      const announce = announceFor(self, signal, system, input.vmId);
      const pool = system.get('tapPool');
      const grant = await inStep(STEP.networkTap, () => acquireTap(pool, input.vmId));
      if (signal.aborted) {
        // Cancelled while waiting: the rollback has already run without this tap, so give it back here.
        pool?.send({ type: 'tap.release', vmId: input.vmId, name: grant.name });
        throw abortError(STEP.networkTap);
      }
      const releases: Release[] = [{ kind: 'tap', name: grant.name }];
      announce(releases[0]!);
      const bridge = system.get('helperBridge');
      // A pooled tap may have been deleted or detached from outside since it was made: check before handing it to a VMM.
      if (!grant.ready || (await ports.host.tapState(grant.name)) !== 'ok') {
        await inStep(STEP.networkTap, () => callPrivileged(bridge, 'tap.create', { name: grant.name, bridge: opts.bridge }));
      }
      if (input.natEnabled) {
        throwIfAborted(signal, STEP.networkNat);
        const nat: Release = { kind: 'nat', guestIP: input.guestIP, tap: grant.name };
        releases.push(nat);
        announce(nat);
        const up = await inStep(STEP.networkNat, () => callPrivileged(bridge, 'nat.up', { guestIP: input.guestIP, tap: grant.name, bridge: opts.bridge }));
        // A host-wide change worth a line: it stays on after the VM (as with docker and libvirt).
        if (up.ipForwardEnabled) ports.logger.info({ vmId: input.vmId }, 'turned on net.ipv4.ip_forward for NAT (it stays on)');
      }
      return { releases, tap: grant.name };
    },

    async launchVmm({ input, signal, self, system }: StepArgs<StepInput>): Promise<VmmStepOutput> {
      throwIfAborted(signal, STEP.vmmLaunch);
      const announce = announceFor(self, signal, system, input.vmId);
      const vm = record(input.vmId);
      const driver = ports.driverFor(vm.vmm);
      if (!input.storage || !input.tap) throw tagStep(new Error('launch without storage or tap'), STEP.vmmLaunch);
      const storage = input.storage;
      const tap = input.tap;
      const spec = await inStep(STEP.vmmLaunch, async () => ports.planner.launchSpec(vm, { storage, tap, mac: macFromIp(vm.runtime.guestIP) }));
      throwIfAborted(signal, STEP.vmmLaunch);
      // Announced without a pid: if we die before launch returns, reconcile finds the process by its socket path.
      announce({ kind: 'vmm', apiSockPath: spec.apiSockPath });
      const handle = await inStep(STEP.vmmLaunch, async () => {
        await driver.prepare(spec);
        return driver.launch(spec, { signal });
      });
      const release: Release = { kind: 'vmm', apiSockPath: handle.apiSockPath, pid: handle.pid };
      if (handle.pidStartTime !== undefined) release.pidStartTime = handle.pidStartTime;
      if (signal.aborted) {
        await driver.kill(handle).catch(() => {});
        throw abortError(STEP.vmmLaunch);
      }
      announce(release);
      return { releases: [release], pid: handle.pid };
    },

    async waitForGuest({ input, signal }: StepArgs<StepInput & { pid: number }>): Promise<void> {
      throwIfAborted(signal, STEP.guestReady);
      const vm = record(input.vmId);
      await inStep(STEP.guestReady, () => ports.guest.waitForGuest(vm, { signal, pid: input.pid }));
      // Resumed from its snapshot (or booted cold): from now on it starts from its own disks.
      ports.store.update(input.vmId, { links: vm.runtime.restoreFrom ? { restoreFrom: null } : { startPath: 'cold' } });
    },

    /** Runs the undo stack in reverse; never rejects for a single failed release (it is reported and kept). */
    async releaseResources({ input, system }: StepArgs<ReleaseInput>): Promise<ReleaseOutput> {
      const failed: ReleaseOutput['failed'] = [];
      const driver = ports.driverFor(input.vmm);
      for (const r of [...input.releases].reverse()) {
        try {
          await executeRelease(r, input, driver, system);
        } catch (err) {
          failed.unshift({ release: r, message: `${r.kind}: ${err instanceof Error ? err.message : String(err)}` });
        }
      }
      return { failed };
    },

    /** QMP stop / Firecracker Paused on the VMM the undo stack names. */
    async pauseVmm({ input }: StepArgs<VmmControlInput>): Promise<void> {
      await inStep(STEP.pause, () => ports.driverFor(input.vmm).pause(vmmHandle(input)));
    },

    async resumeVmm({ input }: StepArgs<VmmControlInput>): Promise<void> {
      await inStep(STEP.resume, () => ports.driverFor(input.vmm).resume(vmmHandle(input)));
    },

    /** driver.snapshot on the running VMM: memory, devices and disks at one instant. */
    async snapshotVmm({ input, signal }: StepArgs<SnapshotInput>): Promise<VmmSnapshotResult> {
      return inStep(STEP.snapshot, () => ports.driverFor(input.vmm).snapshot(vmmHandle(input), input.plan, { signal }));
    },

    /** A stopped VM: its disks move into the snapshot and it goes on with new layers on them. */
    async snapshotDisks({ input }: StepArgs<SnapshotInput>): Promise<void> {
      await inStep(STEP.snapshot, () => ports.storage.freeze(record(input.vmId), input.plan.disks));
    },

    async destroyStorage({ input }: StepArgs<{ vmId: string }>): Promise<void> {
      const vm = ports.store.get(input.vmId);
      if (vm) await inStep(STEP.destroy, () => ports.storage.destroy(vm));
    },
  };

  async function executeRelease(r: Release, input: ReleaseInput, driver: ReturnType<VmPorts['driverFor']>, system: AnyActorSystem): Promise<void> {
    switch (r.kind) {
      case 'vmm': {
        const handle = vmmHandleOf(r);
        if (handle) {
          if (input.mode === 'stop') await driver.stop(handle, { timeoutMs: opts.stopTimeoutMs ?? 10_000 });
          else await driver.kill(handle);
          return;
        }
        // No pid recorded (crash or abort mid-launch): the socket path in its argv identifies our process.
        for (const p of await ports.host.findProcesses(r.apiSockPath)) await driver.kill({ pid: p.pid, pidStartTime: p.startTime, apiSockPath: r.apiSockPath });
        return;
      }
      case 'nat':
        await callPrivileged(system.get('helperBridge'), 'nat.down', { guestIP: r.guestIP, tap: r.tap, bridge: opts.bridge });
        return;
      case 'tap': {
        const pool = system.get('tapPool');
        if (pool) pool.send({ type: 'tap.release', vmId: input.vmId, name: r.name });
        else await callPrivileged(system.get('helperBridge'), 'tap.delete', { name: r.name });
        return;
      }
      case 'dm':
        await callPrivileged(system.get('helperBridge'), 'dm.snapshotRemove', { name: r.name });
        return;
      case 'loop':
        await callPrivileged(system.get('helperBridge'), 'loop.detach', { device: r.device });
        return;
    }
  }
}

function lastErrorFor(context: VmContext, state: VMState): string | null {
  if (state === 'error') return context.failure ? failureText(context.failure) : 'unknown error';
  if (state === 'stopping') return context.failure ? failureText(context.failure) : null;
  if (state === 'stopped') return context.recoverReason;
  return null;
}

/** The vm machine with real steps and store/handles actions. */
export function provideVmMachine(ports: VmPorts, opts: VmOptions) {
  const steps = createVmSteps(ports, opts);
  return vmMachine.provide({
    actors: {
      prepareStorage: fromPromise(steps.prepareStorage),
      acquireNetwork: fromPromise(steps.acquireNetwork),
      launchVmm: fromPromise(steps.launchVmm),
      waitForGuest: fromPromise(steps.waitForGuest),
      releaseResources: fromPromise(steps.releaseResources),
      destroyStorage: fromPromise(steps.destroyStorage),
      pauseVmm: fromPromise(steps.pauseVmm),
      resumeVmm: fromPromise(steps.resumeVmm),
      snapshotVmm: fromPromise(steps.snapshotVmm),
      snapshotDisks: fromPromise(steps.snapshotDisks),
    },
    actions: {
      ...vmActions(ports),
      killVmm: ({ context }: { context: VmContext }) => {
        for (const r of context.releases) {
          const handle = r.kind === 'vmm' ? vmmHandleOf(r) : null;
          if (!handle) continue;
          ports.driverFor(context.vmm).kill(handle).catch((err: unknown) =>
            ports.logger.warn({ vm: context.name, err: err instanceof Error ? err.message : String(err) }, 'force stop: kill failed'),
          );
        }
      },
    },
  });
}

/** Store and handles actions; exported so tests can provide them with gated steps. */
export function vmActions(ports: Pick<VmPorts, 'store' | 'handles' | 'logger'>) {
  /** vmId → the undo stack last written to handles.json and the row mirror. */
  const checkpointed = new Map<string, string>();
  return {
    persistState: ({ context }: { context: VmContext }, params: { state: VMState }) => {
      const lastError = lastErrorFor(context, params.state);
      ports.store.update(context.vmId, {
        state: params.state,
        lastError,
        mirror: context.releases.length ? mirrorFromReleases(context.releases) : null,
      });
      if (params.state === 'error') ports.logger.warn({ vm: context.name, error: lastError }, 'vm failed');
    },
    checkpoint: ({ context }: { context: VmContext }) => {
      // Most checkpoints repeat the last one (a step's onDone after its own announcements, running's entry):
      // skip the file rename and the row rewrite when the undo stack has not changed since.
      const key = JSON.stringify(context.releases);
      if (checkpointed.get(context.vmId) === key) return;
      const empty = context.releases.length === 0;
      // Both are attempted either way: the mirror is the fallback when the file is lost.
      const fileOk = empty ? ports.handles.remove(context.vmId) : ports.handles.write(context.vmId, handlesFromReleases(context.releases));
      const rowOk = ports.store.update(context.vmId, { mirror: empty ? null : mirrorFromReleases(context.releases) });
      const ok = fileOk && rowOk;
      // A failed write is retried by the next checkpoint, even one with the same stack.
      if (ok) checkpointed.set(context.vmId, key);
      else checkpointed.delete(context.vmId);
    },
    removeRecord: ({ context }: { context: VmContext }) => {
      checkpointed.delete(context.vmId);
      ports.handles.remove(context.vmId);
      ports.store.remove(context.vmId);
    },
  };
}
