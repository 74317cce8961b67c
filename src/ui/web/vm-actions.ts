/** Which row actions a VM's state allows (what the vm machine accepts there; see machines/vm). */
import type { VMState } from '../../model/types.js';

export const VM_ACTIONS = ['start', 'stop', 'restart', 'pause', 'resume', 'snapshot', 'fork', 'delete'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

const ALLOWED: Record<VmAction, ReadonlyArray<VMState>> = {
  start: ['created', 'stopped', 'error'],
  stop: ['starting', 'running', 'paused', 'error'],
  restart: ['running'],
  pause: ['running'],
  resume: ['paused'],
  snapshot: ['running', 'paused', 'stopped'],
  fork: ['running', 'paused', 'stopped'],
  // Delete stops a live VM first; only mid-transition states refuse.
  delete: ['created', 'running', 'paused', 'stopped', 'error'],
};

export function actionAllowed(action: VmAction, state: VMState): boolean {
  return ALLOWED[action].includes(state);
}

/** Actions that ask first: the irreversible or disruptive ones, and those that need a name. */
export const CONFIRMED: ReadonlySet<VmAction> = new Set(['stop', 'delete', 'fork', 'snapshot']);
