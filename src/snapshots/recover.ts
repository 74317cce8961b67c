import { rename, rm } from 'node:fs/promises';
import type { VmStorePort } from '../../machines/index.js';
import { createOverlay, diskFormat } from '../host/storage/index.js';
import type { SnapshotRecord, VMRecord } from '../model/index.js';
import type { Store } from '../store/index.js';
import { freezeStoppedDisks } from '../vmm/storage.js';
import { pathExists } from '../host/path-exists.js';

/**
 * Settles the snapshots a crash (bangerd killed mid-snapshot) left `pending`,
 * before the actor system adopts the VMs. Per disk, the files say how far the
 * switch got: `ACTIVE.new` only, nothing was switched (dropped); `ACTIVE.next`,
 * QEMU writes the new layer but the renames did not finish (finished now); a
 * frozen file in the snapshot with no active file, a stopped VM's freeze
 * stopped halfway (its new layer is made now). When the VM's disks ended up on
 * the snapshot's frozen files, the snapshot is kept, as disks only (its memory
 * state never finished), and the VM is linked to it; otherwise the row and
 * every file go. No half snapshot is ever listed, and the VM keeps its data.
 */
export async function recoverPendingSnapshots(
  store: Pick<Store, 'snapshots' | 'vms'>,
  vmStore: Pick<VmStorePort, 'update'>,
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void },
  snapshotsDir: string,
  /** Lets a running VM's guest go on: a live snapshot cut short may have left it stopped mid-migration. */
  unfreeze: (vm: VMRecord) => Promise<void>,
): Promise<{ kept: string[]; removed: string[] }> {
  const kept: string[] = [];
  const removed: string[] = [];
  for (const snap of store.snapshots.pending()) {
    const vm = store.vms.getById(snap.vmId);
    const pairs = vm
      ? ([[vm.runtime.systemOverlayPath, snap.files.systemDisk], [vm.runtime.workDiskPath, snap.files.workDisk]] as const)
      : [];
    if (vm?.state === 'running') {
      await unfreeze(vm).catch((err: unknown) => log.warn({ vm: vm.name, err: err instanceof Error ? err.message : String(err) }, 'could not resume a VM a crashed snapshot left stopped'));
    }
    let frozen = 0;
    for (const [active, frozenPath] of pairs) {
      await rm(`${active}.new`, { force: true });
      if (await pathExists(`${active}.next`)) {
        if (!(await pathExists(frozenPath)) && (await pathExists(active))) await rename(active, frozenPath);
        await rename(`${active}.next`, active);
      } else if ((await pathExists(frozenPath)) && !(await pathExists(active))) {
        await createOverlay({ backingPath: frozenPath, backingFormat: await diskFormat(frozenPath), overlayPath: active });
      }
      if (await pathExists(frozenPath)) frozen++;
    }
    // A stopped VM's freeze goes disk by disk: finish it offline, or the frozen half would be dropped under the VM.
    if (vm && frozen > 0 && frozen < pairs.length && vm.state !== 'running' && vm.state !== 'paused') {
      for (const [i, [active, frozenPath]] of pairs.entries()) {
        if (await pathExists(frozenPath)) continue;
        await freezeStoppedDisks([{ drive: i === 0 ? 'root' : 'work', activePath: active, frozenPath }]);
        frozen++;
      }
    }
    if (vm && frozen === pairs.length && frozen > 0) {
      await rm(`${snap.dir}/state.bin.part`, { force: true });
      await rm(`${snap.dir}/state.bin`, { force: true });
      store.snapshots.markReady(snap.id, { kind: 'disk', files: { systemDisk: snap.files.systemDisk, workDisk: snap.files.workDisk }, sizeBytes: 0, pausedMs: null });
      vmStore.update(vm.id, { links: { baseSnapshotId: snap.id } });
      kept.push(snap.name);
      log.info({ snapshot: snap.name, vm: vm.name }, 'kept the disks of a snapshot that a crash interrupted (disks only)');
    } else {
      await drop(snap, snapshotsDir);
      store.snapshots.delete(snap.id);
      removed.push(snap.name);
      log.info({ snapshot: snap.name }, 'removed a snapshot that a crash interrupted');
    }
  }
  return { kept, removed };
}

async function drop(snap: SnapshotRecord, snapshotsDir: string): Promise<void> {
  if (snap.dir.startsWith(snapshotsDir + '/')) await rm(snap.dir, { recursive: true, force: true });
}
