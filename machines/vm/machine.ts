/**
 * The per-VM machine. Pure: side effects are the invoked actors and the
 * actions named in `setup`, whose real implementations come from
 * `provideVmMachine` (actors.ts); the placeholders here fail loudly or do
 * nothing so a machine used without ports is obviously unwired.
 */
import { assign, fromPromise, setup } from 'xstate';
import type { AnyActorRef, AnyEventObject } from 'xstate';
import type { VMState } from '../../src/model/index.js';
import type {
  NetworkStepOutput,
  ReleaseInput,
  ReleaseOutput,
  SnapshotInput,
  StepInput,
  StorageStepOutput,
  VmContext,
  VmEvent,
  VmInput,
  VmmControlInput,
  VmmStepOutput,
} from './events.js';
import type { VmmSnapshotResult } from '../../src/model/vmm.js';
import { pushRelease, pushReleases } from './releases.js';
import { STEP, failureFromText, toFailure, type StepName } from './steps.js';

const unwired = (name: string) =>
  fromPromise<never, unknown>(async () => {
    throw new Error(`vm machine actor "${name}" is not provided; build the machine with provideVmMachine(ports)`);
  });

/** Fire-and-forget send that never throws (actions must not). */
function tell(ref: AnyActorRef | undefined, event: AnyEventObject): void {
  try {
    ref?.send(event);
  } catch {
    // a stopped resource actor is not the vm's problem
  }
}

function controlInput({ context }: { context: VmContext }): VmmControlInput {
  return { vmId: context.vmId, vmm: context.vmm, releases: context.releases };
}

function stepInput({ context }: { context: VmContext }): StepInput {
  return {
    vmId: context.vmId,
    name: context.name,
    guestIP: context.guestIP,
    natEnabled: context.spec.natEnabled,
    storage: context.storage,
    tap: context.tap,
  };
}

/**
 * A state that runs the undo stack in `mode`: a release that fails lands in
 * error holding what is left (so a later stop retries it); success goes to `done`.
 */
function releasing<Done extends object>(mode: (context: VmContext) => ReleaseInput['mode'], step: StepName, done: Done) {
  return {
    entry: [{ type: 'persistState' as const, params: { state: 'stopping' as const } }],
    invoke: {
      id: 'releaseResources',
      src: 'releaseResources' as const,
      input: ({ context }: { context: VmContext }): ReleaseInput => ({ vmId: context.vmId, vmm: context.vmm, releases: context.releases, mode: mode(context) }),
      onDone: [{ guard: 'releaseFailed' as const, target: 'error', actions: { type: 'keepFailedReleases' as const, params: { step } } }, done],
      onError: { target: 'error', actions: { type: 'recordFailure' as const, params: { step } } },
    },
  };
}

/** pausing / resuming: one driver call; the VMM may still exit under it. */
function controlling(src: 'pauseVmm' | 'resumeVmm', step: StepName, done: 'paused' | 'running', back: 'running' | 'paused') {
  return {
    entry: 'addDnsRecord' as const,
    exit: 'removeDnsRecord' as const,
    on: { 'vm.exited': { target: 'rollingBack', actions: 'recordExit' as const } },
    invoke: { id: src, src, input: controlInput, onDone: { target: done }, onError: { target: back, actions: { type: 'recordOpFailure' as const, params: { step } } } },
  };
}

export const vmMachine = setup({
  types: {
    context: {} as VmContext,
    events: {} as VmEvent,
    input: {} as VmInput,
  },
  actors: {
    prepareStorage: unwired('prepareStorage') as unknown as ReturnType<typeof fromPromise<StorageStepOutput, StepInput>>,
    acquireNetwork: unwired('acquireNetwork') as unknown as ReturnType<typeof fromPromise<NetworkStepOutput, StepInput>>,
    launchVmm: unwired('launchVmm') as unknown as ReturnType<typeof fromPromise<VmmStepOutput, StepInput>>,
    waitForGuest: unwired('waitForGuest') as unknown as ReturnType<typeof fromPromise<void, StepInput & { pid: number }>>,
    releaseResources: unwired('releaseResources') as unknown as ReturnType<typeof fromPromise<ReleaseOutput, ReleaseInput>>,
    destroyStorage: unwired('destroyStorage') as unknown as ReturnType<typeof fromPromise<void, { vmId: string }>>,
    pauseVmm: unwired('pauseVmm') as unknown as ReturnType<typeof fromPromise<void, VmmControlInput>>,
    resumeVmm: unwired('resumeVmm') as unknown as ReturnType<typeof fromPromise<void, VmmControlInput>>,
    snapshotVmm: unwired('snapshotVmm') as unknown as ReturnType<typeof fromPromise<VmmSnapshotResult, SnapshotInput>>,
    snapshotDisks: unwired('snapshotDisks') as unknown as ReturnType<typeof fromPromise<void, SnapshotInput>>,
  },
  actions: {
    /** Writes state, lastError and the teardown mirror to the row (sync; the port never throws). */
    persistState: (_, _params: { state: VMState }) => {},
    /** Writes handles.json from the undo stack (removes it when empty). */
    checkpoint: () => {},
    // Resources are reached through the system registry, never by import; absent in bare unit tests.
    addDnsRecord: ({ context, system }) => {
      tell(system.get('dns'), { type: 'dns.add', name: context.name, ip: context.guestIP });
    },
    removeDnsRecord: ({ context, system }) => {
      tell(system.get('dns'), { type: 'dns.remove', name: context.name });
    },
    /** Drops the row (final state). */
    removeRecord: () => {},
    /** `stop --force` during a graceful stop: kill the VMM now; the stop in progress sees it exit and goes on. */
    killVmm: () => {},
    recordAnnounced: assign({
      releases: ({ context, event }) => (event.type === 'vm.acquired' ? pushRelease(context.releases, event.release) : context.releases),
    }),
    recordOpFailure: assign({
      opFailure: ({ event }, params: { step: string }) => toFailure(params.step, (event as { error?: unknown }).error),
    }),
    clearOpFailure: assign({ opFailure: null }),
    beginSnapshot: assign({
      snapshot: ({ event }, params: { from: 'running' | 'paused' | 'stopped' }) => (event.type === 'vm.snapshot' ? { plan: event.plan, from: params.from } : null),
      snapshotResult: null,
      opFailure: null,
    }),
    recordSnapshot: assign({
      snapshotResult: ({ event }) => (event as { output?: VmmSnapshotResult }).output ?? { pausedMs: 0, stateBytes: 0 },
    }),
    recordFailure: assign({
      failure: ({ event }, params: { step: string }) => toFailure(params.step, (event as { error?: unknown }).error),
    }),
    /** Some releases failed: keep exactly those on the stack (a later stop retries them) and say which. */
    keepFailedReleases: assign(({ event }, params: { step: string }) => {
      const failed = (event as { output?: ReleaseOutput }).output?.failed ?? [];
      return {
        releases: failed.map((f) => f.release),
        failure: { step: params.step, kind: 'host' as const, code: 'vm.release_failed', message: failed.map((f) => f.message).join('; ') },
      };
    }),
    recordExit: assign({
      failure: ({ event }) => ({
        step: STEP.exited,
        kind: 'vmm',
        code: 'vm.exited',
        message: event.type === 'vm.exited' ? event.reason : 'VMM process exited',
      }),
    }),
    clearFailure: assign({ failure: null, recoverReason: null }),
    clearRecover: assign({ recoverMode: null }),
    forgetHandles: assign({ releases: [], storage: null, tap: null, pid: null }),
    noteStopMode: assign({ forceStop: ({ event }) => event.type === 'vm.stop' && event.force === true }),
    configure: assign({ spec: ({ context, event }) => (event.type === 'vm.configure' ? event.spec : context.spec) }),
  },
  guards: {
    bootAdopt: ({ context }) => context.recoverMode === 'adopt',
    bootAdoptPaused: ({ context }) => context.recoverMode === 'adopt' && context.bootState === 'paused',
    bootTeardown: ({ context }) => context.recoverMode === 'teardown',
    bootWas: ({ context }, params: { state: VMState }) => context.bootState === params.state,
    releaseFailed: ({ event }) => ((event as { output?: ReleaseOutput }).output?.failed.length ?? 0) > 0,
    holdsResources: ({ context }) => context.releases.length > 0,
    forced: ({ event }) => event.type === 'vm.stop' && event.force === true,
    snapshotFromPaused: ({ context }) => context.snapshot?.from === 'paused',
  },
}).createMachine({
  id: 'vm',
  context: ({ input }) => ({
    vmId: input.record.id,
    name: input.record.name,
    guestIP: input.record.runtime.guestIP,
    vmm: input.record.vmm,
    spec: input.record.spec,
    releases: input.recover?.releases ?? [],
    storage: null,
    tap: input.recover?.releases.find((r) => r.kind === 'tap')?.name ?? null,
    pid: (() => {
      const v = input.recover?.releases.find((r) => r.kind === 'vmm');
      return v?.kind === 'vmm' && v.pid !== undefined ? v.pid : null;
    })(),
    // A row that rests in error keeps its message across daemon restarts (persistState rewrites lastError on entry).
    opFailure: null,
    failure: input.record.state === 'error' && (!input.recover || input.recover.mode === 'hold') ? failureFromText(input.record.runtime.lastError) : null,
    recoverReason:
      input.recover?.mode === 'teardown' ? input.recover.reason : input.record.state === 'stopped' ? (input.record.runtime.lastError ?? null) : null,
    recoverMode: input.recover?.mode ?? null,
    forceStop: false,
    snapshot: null,
    snapshotResult: null,
    bootState: input.record.state,
  }),
  initial: 'boot',
  on: {
    // Write-ahead: whatever state we are in, an announced acquisition joins the undo stack.
    'vm.acquired': { actions: ['recordAnnounced', 'checkpoint'] },
  },
  states: {
    boot: {
      always: [
        { guard: 'bootAdoptPaused', target: 'paused', actions: 'clearRecover' },
        { guard: 'bootAdopt', target: 'running', actions: 'clearRecover' },
        { guard: 'bootTeardown', target: 'recovering', actions: 'clearRecover' },
        { guard: { type: 'bootWas', params: { state: 'stopped' } }, target: 'stopped' },
        { guard: { type: 'bootWas', params: { state: 'error' } }, target: 'error' },
        { target: 'created' },
      ],
    },
    created: {
      on: {
        'vm.start': 'starting',
        'vm.delete': 'deleting',
        'vm.configure': { actions: 'configure' },
      },
    },
    starting: {
      entry: ['clearFailure', { type: 'persistState', params: { state: 'starting' } }],
      initial: 'storage',
      on: {
        // Leaving `starting` stops the invoked step, which aborts its signal.
        'vm.stop': 'cancelling',
      },
      states: {
        storage: {
          invoke: {
            id: 'prepareStorage',
            src: 'prepareStorage',
            input: stepInput,
            onDone: {
              target: 'network',
              actions: [
                assign({
                  releases: ({ context, event }) => pushReleases(context.releases, event.output.releases),
                  storage: ({ event }) => event.output.storage,
                }),
                'checkpoint',
              ],
            },
            onError: { target: '#vm.rollingBack', actions: { type: 'recordFailure', params: { step: STEP.storage } } },
          },
        },
        network: {
          invoke: {
            id: 'acquireNetwork',
            src: 'acquireNetwork',
            input: stepInput,
            onDone: {
              target: 'vmm',
              actions: [
                assign({
                  releases: ({ context, event }) => pushReleases(context.releases, event.output.releases),
                  tap: ({ event }) => event.output.tap,
                }),
                'checkpoint',
              ],
            },
            onError: { target: '#vm.rollingBack', actions: { type: 'recordFailure', params: { step: STEP.networkTap } } },
          },
        },
        vmm: {
          invoke: {
            id: 'launchVmm',
            src: 'launchVmm',
            input: stepInput,
            onDone: {
              target: 'guestReady',
              actions: [
                assign({
                  releases: ({ context, event }) => pushReleases(context.releases, event.output.releases),
                  pid: ({ event }) => event.output.pid,
                }),
                'checkpoint',
              ],
            },
            onError: { target: '#vm.rollingBack', actions: { type: 'recordFailure', params: { step: STEP.vmmLaunch } } },
          },
        },
        guestReady: {
          invoke: {
            id: 'waitForGuest',
            src: 'waitForGuest',
            input: ({ context }) => ({ ...stepInput({ context }), pid: context.pid ?? -1 }),
            onDone: { target: '#vm.running' },
            onError: { target: '#vm.rollingBack', actions: { type: 'recordFailure', params: { step: STEP.guestReady } } },
          },
        },
      },
    },
    running: {
      entry: [{ type: 'persistState', params: { state: 'running' } }, 'checkpoint', 'addDnsRecord'],
      exit: ['removeDnsRecord'],
      on: {
        'vm.stop': { target: 'stopping', actions: 'noteStopMode' },
        'vm.exited': { target: 'rollingBack', actions: 'recordExit' },
        'vm.configure': { actions: 'configure' },
        'vm.pause': { target: 'pausing', actions: 'clearOpFailure' },
        'vm.snapshot': { target: 'snapshotting', actions: { type: 'beginSnapshot', params: { from: 'running' } } },
      },
    },
    // Live: memory, devices and disks at one instant; the guest goes back to what it was doing (running or paused).
    // A failure leaves the VM as it was and says why, like pause.
    snapshotting: {
      entry: 'addDnsRecord',
      exit: 'removeDnsRecord',
      on: { 'vm.exited': { target: 'rollingBack', actions: 'recordExit' } },
      invoke: {
        id: 'snapshotVmm',
        src: 'snapshotVmm',
        input: ({ context }) => ({ ...controlInput({ context }), plan: context.snapshot!.plan }),
        onDone: [
          { guard: 'snapshotFromPaused', target: 'paused', actions: 'recordSnapshot' },
          { target: 'running', actions: 'recordSnapshot' },
        ],
        onError: [
          { guard: 'snapshotFromPaused', target: 'paused', actions: { type: 'recordOpFailure', params: { step: STEP.snapshot } } },
          { target: 'running', actions: { type: 'recordOpFailure', params: { step: STEP.snapshot } } },
        ],
      },
    },
    snapshottingDisks: {
      invoke: {
        id: 'snapshotDisks',
        src: 'snapshotDisks',
        input: ({ context }) => ({ ...controlInput({ context }), plan: context.snapshot!.plan }),
        onDone: { target: 'stopped', actions: 'recordSnapshot' },
        onError: { target: 'stopped', actions: { type: 'recordOpFailure', params: { step: STEP.snapshot } } },
      },
    },
    // pausing, paused and resuming keep the DNS record: the guest still owns its name and address.
    // A failed pause or resume leaves the VM as it was; the caller hears why.
    pausing: controlling('pauseVmm', STEP.pause, 'paused', 'running'),
    paused: {
      entry: [{ type: 'persistState', params: { state: 'paused' } }, 'checkpoint', 'addDnsRecord'],
      exit: ['removeDnsRecord'],
      on: {
        'vm.resume': { target: 'resuming', actions: 'clearOpFailure' },
        'vm.snapshot': { target: 'snapshotting', actions: { type: 'beginSnapshot', params: { from: 'paused' } } },
        // The driver's stop resumes the guest first, so it still shuts down cleanly.
        'vm.stop': { target: 'stopping', actions: 'noteStopMode' },
        'vm.exited': { target: 'rollingBack', actions: 'recordExit' },
        'vm.configure': { actions: 'configure' },
      },
    },
    resuming: controlling('resumeVmm', STEP.resume, 'running', 'paused'),
    stopping: {
      ...releasing((c) => (c.forceStop ? 'kill' : 'stop'), STEP.stop, { target: 'stopped' }),
      on: {
        'vm.stop': { guard: 'forced', actions: ['noteStopMode', 'killVmm'] },
      },
    },
    rollingBack: {
      entry: [{ type: 'persistState', params: { state: 'stopping' } }],
      invoke: {
        id: 'releaseResources',
        src: 'releaseResources',
        input: ({ context }) => ({ vmId: context.vmId, vmm: context.vmm, releases: context.releases, mode: 'rollback' as const }),
        onDone: {
          target: 'error',
          actions: assign({ releases: ({ event }) => event.output.failed.map((f) => f.release) }),
        },
        // The step failure stays the headline; the stack is kept for a later `vm stop` to retry.
        onError: { target: 'error' },
      },
    },
    cancelling: releasing(() => 'rollback', STEP.rollback, { target: 'stopped' }),
    recovering: releasing(() => 'rollback', STEP.reconcile, { target: 'stopped' }),
    /** error → start while still holding something: retry the releases, then start from a clean slate. */
    reclaiming: releasing(() => 'stop', STEP.stop, { target: 'starting', actions: ['forgetHandles' as const, 'checkpoint' as const] }),
    stopped: {
      entry: [
        assign({ releases: [], storage: null, tap: null, pid: null, forceStop: false }),
        { type: 'persistState', params: { state: 'stopped' } },
        'checkpoint',
      ],
      on: {
        'vm.start': 'starting',
        'vm.delete': 'deleting',
        'vm.configure': { actions: 'configure' },
        'vm.snapshot': { target: 'snapshottingDisks', actions: { type: 'beginSnapshot', params: { from: 'stopped' } } },
      },
    },
    error: {
      entry: [
        assign({ storage: null, tap: null, pid: null, forceStop: false }),
        { type: 'persistState', params: { state: 'error' } },
        'checkpoint',
      ],
      on: {
        // A failed release may have left the old VMM or tap behind: release it first, never start a second one beside it.
        'vm.start': [{ guard: 'holdsResources', target: 'reclaiming' }, { target: 'starting' }],
        // Something may still be held after a failed release: stop retries it.
        'vm.stop': [{ guard: 'holdsResources', target: 'stopping', actions: 'noteStopMode' }, { target: 'stopped' }],
        'vm.delete': [{ guard: 'holdsResources', target: 'stopping' }, { target: 'deleting' }],
        'vm.configure': { actions: 'configure' },
      },
    },
    deleting: {
      invoke: {
        id: 'destroyStorage',
        src: 'destroyStorage',
        input: ({ context }) => ({ vmId: context.vmId }),
        onDone: { target: 'deleted' },
        onError: { target: 'error', actions: { type: 'recordFailure', params: { step: STEP.destroy } } },
      },
    },
    deleted: {
      type: 'final',
      entry: ['checkpoint', 'removeRecord'],
    },
  },
});
