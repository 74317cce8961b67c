import type { VMSpec, VmmName } from './types.js';

/**
 * A snapshot: a VM's disks frozen at one instant (read-only files that later
 * layers are built on, never copied), plus, for a VM that was running, its
 * memory and device state. Rows live in the `snapshots` table, files under
 * `<state>/snapshots/<id>/`.
 */

/** `memory`: taken of a running (or paused) VM, restores to a running VM. `disk`: of a stopped VM, restores by booting. */
export type SnapshotKind = 'memory' | 'disk';

/** `user`: asked for by name. `fork`: made by `vm fork` of a VM. `warm`: an image's booted-and-ready state for warm starts. */
export type SnapshotPurpose = 'user' | 'fork' | 'warm';

export interface SnapshotFiles {
  /** Frozen system disk (qcow2 over the image rootfs, or over the parent snapshot's system disk). */
  systemDisk: string;
  /** Frozen work disk (raw ext4, or qcow2 over the parent snapshot's work disk). */
  workDisk: string;
  /** VMM device state (QEMU migration stream, Firecracker vmstate); memory snapshots only. */
  state?: string;
  /** Guest memory file (Firecracker only: QEMU keeps memory in the state stream). */
  memory?: string;
}

export interface SnapshotRecord {
  id: string;
  name: string;
  kind: SnapshotKind;
  purpose: SnapshotPurpose;
  /** The VM it was taken of (the row may since have been deleted: `vmName` says which it was). */
  vmId: string;
  vmName: string;
  imageId: string;
  vmm: VmmName;
  /** The VM's sizing when taken: a restore or fork keeps vCPU and memory (the saved state needs them). */
  spec: VMSpec;
  /** The address the guest had: a restored copy is told its own before anything connects. */
  guestIP: string;
  dir: string;
  files: SnapshotFiles;
  /** The snapshot whose frozen disks back this one's (its chain), if any. */
  parentId: string | null;
  /** Warm snapshots: image, its version and the sizing they fit (see src/snapshots/warm.ts). */
  warmKey: string | null;
  /** Bytes the snapshot's own files take on disk. */
  sizeBytes: number;
  /** How long the guest was stopped to take it (memory snapshots). */
  pausedMs: number | null;
  createdAt: string;
}

/** Snapshot names follow VM names' rule (lowercase, digits, inner hyphens). */
export const SNAPSHOT_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
