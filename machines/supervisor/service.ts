/**
 * The facade the daemon's RPC handlers call. It resolves names, enforces the
 * per-VM policy (one operation at a time: a conflicting second operation gets
 * BusyError "VM x is busy: <op> in progress" at once rather than queueing, so a
 * CLI never hangs behind a slow boot; a repeat of the same operation joins the
 * one in flight; `stop` may interrupt a `start`, waiting out a rollback or
 * reclaim that cannot be cut), sends events to vm actors and waits, with a
 * timeout, until the row reflects the outcome.
 */
import { waitFor } from 'xstate';
import type { Actor, AnyActorRef } from 'xstate';
import type { VMRecord } from '../../src/model/index.js';
import { flagExample, formatSize, parseDiskSize, vmNameProblem, vmNameTaken } from '../../src/model/index.js';
import type { VmCreateParams, VmSetParams } from '../../src/model/schemas.js';
import { type BangerError, BusyError, ConflictError, InternalError, InvalidInputError, fromRpcError } from '../../src/errors/index.js';
import type { ErrorKind } from '../../src/errors/index.js';
import type { BangerPorts } from '../ports.js';
import type { VmContext, VmSnapshotPlan } from '../vm/events.js';
import type { VmmSnapshotResult } from '../../src/model/vmm.js';
import type { VmFailure } from '../vm/steps.js';
import { isStable } from './actors.js';
import type { SupervisorMachine } from './machine.js';
import { vmActorId } from './machine.js';

export type VmOp = 'create' | 'start' | 'stop' | 'restart' | 'delete' | 'set' | 'pause' | 'resume' | 'snapshot' | 'restore';

export interface VmService {
  /**
   * Inserts the row and spawns its actor; starts it unless `noStart`. InvalidInputError, ConflictError, then start's errors.
   * `shape` may change the built row before it is inserted (a fork or warm start links it to its snapshot).
   */
  create(params: VmCreateParams, opts?: { shape?: (record: VMRecord) => VMRecord | Promise<VMRecord> }): Promise<VMRecord>;
  /**
   * Takes a snapshot through the VM's actor, so it never overlaps a start or stop: live for a running or paused VM,
   * of the disks for a stopped one. ConflictError for a VM that never started; BusyError while another operation runs.
   */
  snapshot(ref: string, plan: VmSnapshotPlan): Promise<{ vm: VMRecord; from: 'running' | 'paused' | 'stopped'; result: VmmSnapshotResult | null }>;
  /**
   * Holds the VM (stopped at once if it runs: its state is being thrown away) while `reset` rewrites its disks
   * and links, then starts it when `start` says so.
   */
  reset(ref: string, reset: (vm: VMRecord, wasRunning: boolean) => Promise<{ start: boolean }>): Promise<VMRecord>;
  /** Idempotent on a running VM. Errors: NotFoundError, BusyError, the failed step's error (VmmError, HelperRefusedError, ...), ConflictError when a stop cancelled it. */
  start(ref: string): Promise<VMRecord>;
  /** Idempotent on a stopped/created VM; cancels a start in progress. `force` kills the VMM instead of shutting it down. */
  stop(ref: string, opts?: StopOptions): Promise<VMRecord>;
  restart(ref: string): Promise<VMRecord>;
  /** Stops first when needed (`force`: by killing the VMM), then removes disks and the row. */
  delete(ref: string, opts?: StopOptions): Promise<{ deleted: string }>;
  /** Spec changes; applied at the next start when the VM runs. Disks only grow. */
  set(ref: string, params: Omit<VmSetParams, 'name'>): Promise<VMRecord>;
  /** Freezes a running VM (memory and devices kept, no CPU). Idempotent on a paused VM; ConflictError in any other state. */
  pause(ref: string): Promise<VMRecord>;
  /** Lets a paused VM run on. Idempotent on a running VM; ConflictError in any other state. */
  resume(ref: string): Promise<VMRecord>;
  /** Marks the VM used now (ssh, exec, ports): keeps the stale sweep away. */
  touch(ref: string): VMRecord;
}

export interface StopOptions {
  /** Kill the VMM at once instead of a graceful shutdown with a timeout. */
  force?: boolean;
}

type VmSnap = { status: string; value: unknown; context: VmContext };

/** States in which the vm machine acts on vm.stop, or has nothing to stop. */
const acceptsStop = (state: string) => ['starting', 'running', 'paused', 'error', 'stopped', 'created'].includes(state);

const TERMINAL = { start: ['running', 'error', 'stopped'], stop: ['stopped', 'error'] } as const;

export function failureToError(f: VmFailure): BangerError {
  const err = fromRpcError({ code: -32000, message: `${f.step}: ${f.message}`, data: { kind: f.kind as ErrorKind, code: f.code, ...(f.hint ? { hint: f.hint } : {}) } });
  return err;
}

export function createVmService(
  supervisor: Actor<SupervisorMachine>,
  ports: Pick<BangerPorts, 'store' | 'records' | 'clock'>,
  opts: { opTimeoutMs: number; isReady: () => boolean },
): VmService {
  const inFlight = new Map<string, { op: VmOp; promise: Promise<unknown> }>();

  const ensureReady = () => {
    if (!opts.isReady()) throw new BusyError('bangerd is still reconciling VMs after start', { hint: 'retry in a moment', code: 'daemon.reconciling' });
  };

  const actorOf = (vm: VMRecord): AnyActorRef => {
    const ref = supervisor.system.get(vmActorId(vm.id)) as AnyActorRef | undefined;
    if (!ref) throw new InternalError(`VM ${vm.name} has no actor`, { hint: 'restart bangerd (banger daemon stop; the next command starts it)', code: 'vm.no_actor' });
    return ref;
  };

  const snap = (ref: AnyActorRef) => ref.getSnapshot() as VmSnap;
  const fresh = (vm: VMRecord) => ports.store.get(vm.id) ?? vm;

  /** Serialises per VM. A repeat of the running op joins it; stop may cut into start; anything else is busy. */
  function exclusive<T>(vm: VMRecord, op: VmOp, fn: () => Promise<T>, allowOver: VmOp[] = []): Promise<T> {
    const current = inFlight.get(vm.id);
    if (current) {
      if (current.op === op) return current.promise as Promise<T>;
      if (!allowOver.includes(current.op)) {
        return Promise.reject(
          new BusyError(`VM ${vm.name} is busy: ${current.op} in progress`, {
            hint: `wait for it to finish, or run \`banger vm stop ${vm.name}\``,
            code: 'vm.busy',
          }),
        );
      }
    } else {
      // Not ours but not at rest either (reconcile teardown, stale sweep stop).
      const ref = supervisor.system.get(vmActorId(vm.id)) as AnyActorRef | undefined;
      if (ref && !isStable(ref) && !(op === 'stop' && stateOf(ref).startsWith('starting'))) {
        return Promise.reject(
          new BusyError(`VM ${vm.name} is busy: ${stateOf(ref)} in progress`, { hint: 'wait a moment and retry', code: 'vm.busy' }),
        );
      }
    }
    const promise = fn().finally(() => {
      if (inFlight.get(vm.id)?.promise === promise) inFlight.delete(vm.id);
    });
    inFlight.set(vm.id, { op, promise });
    return promise;
  }

  const stateOf = (ref: AnyActorRef): string => {
    const v = snap(ref).value;
    return typeof v === 'string' ? v : Object.keys(v as object)[0] ?? '?';
  };

  async function settle(ref: AnyActorRef, wanted: readonly string[]): Promise<VmSnap> {
    return (await waitFor(ref, (s) => wanted.includes(stateOf(ref)) && (s as VmSnap).status === 'active', { timeout: opts.opTimeoutMs })) as VmSnap;
  }

  async function doStart(vm: VMRecord): Promise<VMRecord> {
    const ref = actorOf(vm);
    if (stateOf(ref) === 'running') return fresh(vm);
    // Starting a paused VM means letting it run on.
    if (stateOf(ref) === 'paused') return doControl(vm, 'resume');
    ports.store.update(vm.id, { lastTouchedAt: new Date(ports.clock.now()).toISOString() });
    ref.send({ type: 'vm.start' });
    const s = await settle(ref, TERMINAL.start);
    if (s.value === 'running') return fresh(vm);
    if (s.value === 'error' && s.context.failure) throw failureToError(s.context.failure);
    throw new ConflictError(`start of VM ${vm.name} was cancelled by a stop`, { code: 'vm.start_cancelled' });
  }

  /**
   * `--force` repeating a stop (or delete) already in flight joins it; tell the actor, so a graceful
   * shutdown that hangs is cut short by a kill instead of running out its timeout.
   */
  function escalate(vm: VMRecord, op: VmOp): void {
    if (inFlight.get(vm.id)?.op !== op) return;
    (supervisor.system.get(vmActorId(vm.id)) as AnyActorRef | undefined)?.send({ type: 'vm.stop', force: true });
  }

  /** pause: running → paused; resume: paused → running. A failure leaves the VM as it was and says why. */
  async function doControl(vm: VMRecord, op: 'pause' | 'resume'): Promise<VMRecord> {
    const ref = actorOf(vm);
    const [from, to] = op === 'pause' ? (['running', 'paused'] as const) : (['paused', 'running'] as const);
    const state = stateOf(ref);
    if (state === to) return fresh(vm);
    if (state !== from) {
      throw new ConflictError(`cannot ${op} VM ${vm.name}: it is ${state}`, {
        code: `vm.not_${from}`,
        hint: op === 'pause' ? `start it first: banger vm start ${vm.name}` : `see its state: banger vm show ${vm.name}`,
      });
    }
    ref.send({ type: op === 'pause' ? 'vm.pause' : 'vm.resume' });
    const s = await settle(ref, [from, to, 'error', 'stopped']);
    if (s.value === to) return fresh(vm);
    if (s.value === from && s.context.opFailure) throw failureToError(s.context.opFailure);
    if (s.context.failure) throw failureToError(s.context.failure);
    throw new ConflictError(`${op} of VM ${vm.name} did not finish: it is ${stateOf(ref)}`, { code: `vm.${op}_interrupted`, hint: `see: banger vm show ${vm.name}` });
  }

  async function doStop(vm: VMRecord, force = false): Promise<VMRecord> {
    const ref = actorOf(vm);
    // Some transitional states ignore vm.stop (a rollback or a reclaim running its releases): wait for
    // one that takes it, or the stop would be lost and the VM would carry on into running.
    await waitFor(ref, (s) => (s as VmSnap).status !== 'active' || acceptsStop(stateOf(ref)), { timeout: opts.opTimeoutMs });
    const state = stateOf(ref);
    if (state === 'stopped' || state === 'created') return fresh(vm);
    ref.send({ type: 'vm.stop', ...(force ? { force } : {}) });
    const s = await settle(ref, TERMINAL.stop);
    if (s.value === 'error' && s.context.failure) throw failureToError(s.context.failure);
    return fresh(vm);
  }

  /** Every per-VM operation's entry: ready check, name resolution, then `exclusive`; anything thrown becomes the rejection. */
  function onVm<T>(ref: string, op: VmOp, body: (vm: VMRecord) => Promise<T>, o: { allowOver?: VmOp[]; first?: ((vm: VMRecord) => void) | undefined } = {}): Promise<T> {
    try {
      ensureReady();
      const vm = ports.store.resolve(ref);
      o.first?.(vm);
      return exclusive(vm, op, () => body(vm), o.allowOver);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async function doSnapshot(vm: VMRecord, plan: VmSnapshotPlan): ReturnType<VmService['snapshot']> {
    const ref = actorOf(vm);
    const from = stateOf(ref);
    if (from !== 'running' && from !== 'paused' && from !== 'stopped') {
      throw new ConflictError(`cannot snapshot VM ${vm.name}: it is ${from}`, {
        code: 'snapshot.bad_state',
        hint: from === 'created' ? `it has no disks until its first start: banger vm start ${vm.name}` : `see its state: banger vm show ${vm.name}`,
      });
    }
    ref.send({ type: 'vm.snapshot', plan });
    const s = await settle(ref, [from, 'error', 'stopped']);
    if (s.value === from && !s.context.opFailure && s.context.snapshot?.plan.snapshotId === plan.snapshotId) {
      return { vm: fresh(vm), from, result: from === 'stopped' ? null : s.context.snapshotResult };
    }
    if (s.context.opFailure) throw failureToError(s.context.opFailure);
    if (s.context.failure) throw failureToError(s.context.failure);
    throw new ConflictError(`snapshot of VM ${vm.name} did not finish: it is ${stateOf(ref)}`, { code: 'snapshot.interrupted', hint: `see: banger vm show ${vm.name}` });
  }

  return {
    snapshot(ref, plan) {
      return onVm(ref, 'snapshot', (vm) => doSnapshot(vm, plan));
    },

    reset(ref, reset) {
      return onVm(ref, 'restore', async (vm) => {
        const state = stateOf(actorOf(vm));
        const wasRunning = state === 'running' || state === 'paused';
        if (state !== 'stopped' && state !== 'created') await doStop(vm, true);
        const { start } = await reset(fresh(vm), wasRunning);
        return start ? doStart(fresh(vm)) : fresh(vm);
      });
    },

    async create(params, createOpts) {
      ensureReady();
      if (params.name !== undefined) {
        const problem = vmNameProblem(params.name);
        // The hint is what the CLI prints as `hint:`; without it a client calling the RPC directly got no fix.
        if (problem) throw new InvalidInputError(problem, { code: 'vm.name_invalid', hint: 'use 1-63 lowercase letters, digits and inner hyphens, e.g. --name dev-1' });
        if (ports.store.getByName(params.name)) {
          throw vmNameTaken(params.name);
        }
      }
      const built = await ports.records.build(params);
      const record = createOpts?.shape ? await createOpts.shape(built) : built;
      ports.store.insert(record);
      supervisor.send({ type: 'vm.spawn', input: { record } });
      if (params.noStart) return fresh(record);
      return exclusive(record, 'start', () => doStart(record));
    },

    start(ref) {
      return onVm(ref, 'start', doStart);
    },

    stop(ref, stopOpts) {
      // --force repeating a stop in flight tells it to kill now (escalate), then joins it.
      const first = stopOpts?.force ? (vm: VMRecord) => escalate(vm, 'stop') : undefined;
      return onVm(ref, 'stop', (vm) => doStop(vm, stopOpts?.force), { allowOver: ['start'], first });
    },

    restart(ref) {
      return onVm(ref, 'restart', async (vm) => {
        await doStop(vm);
        return doStart(vm);
      });
    },

    delete(ref, stopOpts) {
      const first = stopOpts?.force ? (vm: VMRecord) => escalate(vm, 'delete') : undefined;
      return onVm(
        ref,
        'delete',
        async (vm) => {
          const actor = actorOf(vm);
          if (stateOf(actor) !== 'created' && stateOf(actor) !== 'stopped') await doStop(vm, stopOpts?.force);
          actor.send({ type: 'vm.delete' });
          const s = (await waitFor(actor, (x) => x.status !== 'active' || stateOf(actor) === 'error', { timeout: opts.opTimeoutMs })) as VmSnap;
          if (s.status === 'active' && s.context.failure) throw failureToError(s.context.failure);
          return { deleted: vm.name };
        },
        { first },
      );
    },

    set(ref, params) {
      return onVm(ref, 'set', async (vm) => {
        const spec = { ...vm.spec };
        if (params.vcpu !== undefined) spec.vcpuCount = params.vcpu;
        if (params.memoryMiB !== undefined) spec.memoryMiB = params.memoryMiB;
        if (params.nat !== undefined) spec.natEnabled = params.nat;
        if (params.diskSize !== undefined) {
          const bytes = parseSizeOrThrow(params.diskSize);
          // Its work disk is a qcow2 layer on a snapshot's frozen disk, whose ext4 cannot be grown offline.
          if (vm.runtime.baseSnapshotId && bytes !== spec.workDiskSizeBytes) {
            throw new InvalidInputError(`the work disk of VM ${vm.name} is layered on a snapshot and cannot grow`, {
              hint: `make a new VM of the size you need (banger vm create --disk-size ${params.diskSize}) and copy what you need across`,
              code: 'vm.disk_layered',
            });
          }
          if (bytes < spec.workDiskSizeBytes) {
            throw new InvalidInputError(`disk size ${params.diskSize} is smaller than the current ${formatSize(spec.workDiskSizeBytes)}`, {
              hint: 'work disks only grow; create a new VM for a smaller one',
              code: 'vm.disk_shrink',
            });
          }
          spec.workDiskSizeBytes = bytes;
        }
        if (!ports.store.update(vm.id, { spec })) throw new InternalError(`could not save VM ${vm.name}`, { hint: 'see bangerd.log' });
        actorOf(vm).send({ type: 'vm.configure', spec });
        return fresh(vm);
      });
    },

    pause(ref) {
      return onVm(ref, 'pause', (vm) => doControl(vm, 'pause'));
    },

    resume(ref) {
      return onVm(ref, 'resume', (vm) => doControl(vm, 'resume'));
    },

    touch(ref) {
      const vm = ports.store.resolve(ref);
      ports.store.update(vm.id, { lastTouchedAt: new Date(ports.clock.now()).toISOString() });
      return fresh(vm);
    },
  };
}

/** `vm set --disk-size`: the grammar and bounds of vm create (the growth rules are checked by the caller). */
function parseSizeOrThrow(raw: string): number {
  return parseDiskSize(raw, '--disk-size', flagExample('--disk-size'));
}
