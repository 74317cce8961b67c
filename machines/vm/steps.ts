/**
 * Step names: used in logs, inspect records, lastError and errors, so a
 * failure reads as "start.network.tap: ..." wherever it surfaces.
 */
export const STEP = {
  storage: 'start.storage.prepare',
  networkTap: 'start.network.tap',
  networkNat: 'start.network.nat',
  vmmLaunch: 'start.vmm.launch',
  guestReady: 'start.guest.ready',
  rollback: 'start.rollback',
  stop: 'stop.release',
  exited: 'running.vmm.exited',
  reconcile: 'reconcile.teardown',
  destroy: 'delete.storage',
  pause: 'running.vmm.pause',
  resume: 'paused.vmm.resume',
  snapshot: 'snapshot.take',
} as const;

export type StepName = (typeof STEP)[keyof typeof STEP];

/** A failure, as JSON in context and as a typed error at the facade. */
export interface VmFailure {
  step: string;
  /** BangerError kind, so the facade can rethrow the same class. */
  kind: string;
  code: string;
  message: string;
  hint?: string;
}

/** An error thrown by a step that knows its sub-step (e.g. nat inside network). */
export interface StepTagged {
  step?: string;
}

/** Turns anything a step threw into a JSON failure. Never throws. */
export function toFailure(defaultStep: string, err: unknown): VmFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    step?: unknown;
    kind?: unknown;
    code?: unknown;
    message?: unknown;
    hint?: unknown;
  };
  const f: VmFailure = {
    step: typeof e.step === 'string' ? e.step : defaultStep,
    kind: typeof e.kind === 'string' ? e.kind : 'internal',
    code: typeof e.code === 'string' ? e.code : 'error',
    message: typeof e.message === 'string' ? e.message : String(err),
  };
  if (typeof e.hint === 'string') f.hint = e.hint;
  return f;
}

/** The row's `lastError` text. */
export function failureText(f: VmFailure): string {
  return `${f.step}: ${f.message}`;
}

/** Tags an error with the sub-step it happened in, keeping its class. */
export function tagStep<E>(err: E, step: string): E {
  if (typeof err === 'object' && err !== null && !(err as StepTagged).step) {
    try {
      (err as StepTagged).step = step;
    } catch {
      // frozen error objects keep the default step
    }
  }
  return err;
}

/** Rebuilds a failure from a row's `lastError` (`step: message`), e.g. after a daemon restart. */
export function failureFromText(text: string | undefined): VmFailure | null {
  if (!text) return null;
  const i = text.indexOf(': ');
  if (i <= 0) return { step: 'unknown', kind: 'internal', code: 'vm.failed', message: text };
  return { step: text.slice(0, i), kind: 'internal', code: 'vm.failed', message: text.slice(i + 2) };
}
