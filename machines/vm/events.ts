import type { VMRecord, VMSpec, VmmName } from '../../src/model/index.js';
import type { VmmDiskFreeze, VmmSnapshotResult } from '../../src/model/vmm.js';
import type { PreparedStorage } from '../ports.js';
import type { Release } from './releases.js';
import type { VmFailure } from './steps.js';

/** Commands the supervisor sends to a vm actor (imperative), and facts steps report (past tense). */
export type VmEvent =
  | { type: 'vm.start' }
  /** force: kill the VMM instead of a graceful shutdown. */
  | { type: 'vm.stop'; force?: boolean }
  | { type: 'vm.delete' }
  /** Freeze a running guest (memory and devices kept) / let a paused one run on. */
  | { type: 'vm.pause' }
  | { type: 'vm.resume' }
  | { type: 'vm.configure'; spec: VMSpec }
  /** Take a snapshot: live (running or paused, memory and disks) or of a stopped VM's disks. */
  | { type: 'vm.snapshot'; plan: VmSnapshotPlan }
  /** Announced by a step before it acquires something (write-ahead for abort and crash). */
  | { type: 'vm.acquired'; release: Release }
  /** The VMM process is gone while the VM was running (stats poll noticed). */
  | { type: 'vm.exited'; reason: string };

/** Where a snapshot's files go; made by the snapshot service, carried out by the vm actor (so it never overlaps a start or stop). */
export interface VmSnapshotPlan {
  snapshotId: string;
  statePath: string;
  memoryPath: string;
  disks: VmmDiskFreeze[];
}

/** How a vm actor comes to life: from its row, or from reconcile's verdict. */
export interface VmInput {
  record: VMRecord;
  recover?:
    | { mode: 'adopt'; releases: Release[] }
    | { mode: 'teardown'; releases: Release[]; reason: string }
    /** A row resting in error that still holds what a failed release left: keep the stack for the next stop. */
    | { mode: 'hold'; releases: Release[] };
}

export interface VmContext {
  vmId: string;
  name: string;
  guestIP: string;
  vmm: VmmName;
  spec: VMSpec;
  /** The undo stack, in acquisition order. */
  releases: Release[];
  storage: PreparedStorage | null;
  tap: string | null;
  pid: number | null;
  failure: VmFailure | null;
  /** Why the last pause or resume failed; the VM stays as it was, so this never becomes lastError. */
  opFailure: VmFailure | null;
  /** Why reconcile tore this VM down; becomes lastError. */
  recoverReason: string | null;
  recoverMode: 'adopt' | 'teardown' | 'hold' | null;
  /** The stop in progress was `--force`: the VMM is killed, not shut down. */
  forceStop: boolean;
  /** The snapshot being taken, the state to go back to, and what the last one measured. */
  snapshot: { plan: VmSnapshotPlan; from: 'running' | 'paused' | 'stopped' } | null;
  snapshotResult: VmmSnapshotResult | null;
  /** Row state at spawn, used once by `boot`. */
  bootState: VMRecord['state'];
}

/** Input of every start step. */
export interface StepInput {
  vmId: string;
  name: string;
  guestIP: string;
  natEnabled: boolean;
  storage: PreparedStorage | null;
  tap: string | null;
}

export interface StorageStepOutput {
  releases: Release[];
  storage: PreparedStorage;
}
export interface NetworkStepOutput {
  releases: Release[];
  tap: string;
}
export interface VmmStepOutput {
  releases: Release[];
  pid: number;
}
/** Input of pause and resume: the VMM handle lives on the undo stack. */
export interface VmmControlInput {
  vmId: string;
  vmm: VmmName;
  releases: Release[];
}
export interface SnapshotInput extends VmmControlInput {
  plan: VmSnapshotPlan;
}
export interface ReleaseInput {
  vmId: string;
  vmm: VmmName;
  releases: Release[];
  /** stop: graceful VMM shutdown first (kill after the timeout); kill: `vm stop --force`; rollback: undo a failed or cancelled start (kill). */
  mode: 'stop' | 'kill' | 'rollback';
}
export interface ReleaseOutput {
  /** Releases that failed and are still held. */
  failed: Array<{ release: Release; message: string }>;
}
