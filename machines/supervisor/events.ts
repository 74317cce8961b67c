import type { TapPoolInput } from '../tap-pool/events.js';
import type { DnsInput } from '../dns/events.js';
import type { VmInput } from '../vm/events.js';

export interface ReconcileReport {
  /** Names of VMs whose VMM was alive and were re-adopted as running. */
  kept: string[];
  /** VMs torn down and demoted to stopped, with why. */
  demoted: Array<{ name: string; reason: string }>;
}

export interface ReconcileOutput {
  plans: VmInput[];
  /** tap → vmId for every tap reconcile found in a VM's handles. */
  held: Record<string, string>;
  report: ReconcileReport;
}

export type SupervisorEvent =
  /** A new row was inserted (vm.create): spawn its actor. */
  | { type: 'vm.spawn'; input: VmInput }
  /** Sweep found a running VM untouched for too long. */
  | { type: 'vm.stale'; vmId: string }
  /** Stats poll found a running VM's VMM gone. */
  | { type: 'vm.lost'; vmId: string; reason: string }
  | { type: 'supervisor.shutdown' };

export interface SupervisorInput {
  tapPool: TapPoolInput;
  dns: DnsInput;
  /** 0 = off. */
  autoStopStaleAfterMs: number;
  /** How often the stale sweep runs. @default 60000 */
  staleSweepIntervalMs: number;
  /** 0 = off. */
  statsPollIntervalMs: number;
  /** How often running VMs' VMM pids are checked for life, independent of stats polling; 0 = off. */
  exitWatchIntervalMs: number;
}

export interface SupervisorContext extends SupervisorInput {
  report: ReconcileReport | null;
  lastError: string | null;
}
