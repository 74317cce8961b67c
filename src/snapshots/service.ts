import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { VmService, VmStorePort, VmSnapshotPlan } from '../../machines/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.js';
import { dirAllocatedBytes } from '../host/storage/index.js';
import type { Image, SnapshotRecord, VMRecord } from '../model/index.js';
import { SNAPSHOT_NAME_PATTERN, newId, nowIso } from '../model/index.js';
import type { VmCreateParams } from '../model/schemas.js';
import type { Store } from '../store/index.js';
import { warmKey } from './warm.js';
import { pathExists } from '../host/path-exists.js';

/**
 * Snapshots, restores, forks and warm starts. Rows and files are this
 * module's; anything that touches a VM goes through the VmService, so it is
 * serialised with that VM's start, stop and delete by its actor.
 *
 * A snapshot's files are frozen disks (the VM goes on with new layers on them,
 * nothing is copied) plus, for a live VM, the VMM's saved state. A row is
 * `pending` until everything is on disk; `recoverPendingSnapshots` settles
 * the ones a crash left.
 */

export interface SnapshotServiceDeps {
  store: Pick<Store, 'snapshots' | 'images' | 'vms'>;
  vmStore: Pick<VmStorePort, 'update' | 'get'>;
  /** The actor system's VM service (started on first use). */
  vms: () => Promise<VmService>;
  snapshotsDir: string;
  /** What else a new VM's work disk gets (config `[[file_sync]]`, see fileSyncSalt): part of the warm key. */
  warmSalt?: () => Promise<string>;
  logger: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

export interface SnapshotService {
  create(vmRef: string, opts?: { name?: string; purpose?: SnapshotRecord['purpose']; warmKey?: string }): Promise<SnapshotRecord>;
  list(vmRef?: string): SnapshotRecord[];
  delete(ref: string): Promise<{ deleted: string }>;
  restore(vmRef: string, snapRef: string): Promise<VMRecord>;
  fork(source: string, name: string, opts?: { nat?: boolean; noStart?: boolean }): Promise<VMRecord>;
  /** vm.create: warm from the image's snapshot when one fits (and `cold` is not set). */
  createVm(params: VmCreateParams): Promise<VMRecord>;
  /** After a start: the first cold start of an ephemeral VM (`vm run --rm`) of a size leaves the image's warm snapshot behind. */
  afterStart(vm: VMRecord): Promise<VMRecord>;
  /** `image warm`: the current warm snapshot for that sizing, taken now if missing. */
  warm(imageRef: string, sizing: Pick<VmCreateParams, 'vcpu' | 'memoryMiB' | 'diskSize'>): Promise<SnapshotRecord>;
}

const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export function createSnapshotService(deps: SnapshotServiceDeps): SnapshotService {
  const { store } = deps;
  /** VMs created cold only because no warm snapshot fitted: their first start makes one. */
  const warmCandidates = new Map<string, string>();

  function imageOf(snap: SnapshotRecord): Image {
    const image = store.images.getById(snap.imageId);
    if (!image) {
      throw new ConflictError(`snapshot ${snap.name} was taken of a VM whose image has since been deleted`, {
        code: 'snapshot.image_deleted',
        hint: `its disks are layered on that image: delete the snapshot (banger vm snapshot delete ${snap.name})`,
      });
    }
    return image;
  }

  /** Names of what would break if `snap` went: VMs layered on it (or about to be) and snapshots built on it. */
  function dependents(snap: SnapshotRecord): string[] {
    const vms = store.vms.list().filter((v) => v.runtime.baseSnapshotId === snap.id || v.runtime.restoreFrom === snap.id).map((v) => `VM ${v.name}`);
    return [...vms, ...store.snapshots.children(snap.id).map((s) => `snapshot ${s.name}`)];
  }

  async function removeFiles(snap: SnapshotRecord): Promise<void> {
    // Paths come from the row: only ever remove a directory inside banger's snapshots dir.
    if (snap.dir.startsWith(deps.snapshotsDir + '/')) await rm(snap.dir, { recursive: true, force: true });
  }

  function plannedRecord(vm: VMRecord, name: string, purpose: SnapshotRecord['purpose'], key: string | null): SnapshotRecord {
    const id = newId();
    const dir = join(deps.snapshotsDir, id);
    return {
      id,
      name,
      kind: vm.state === 'stopped' ? 'disk' : 'memory',
      purpose,
      vmId: vm.id,
      vmName: vm.name,
      imageId: vm.imageId,
      vmm: vm.vmm,
      spec: vm.spec,
      guestIP: vm.runtime.guestIP,
      dir,
      files: { systemDisk: join(dir, 'system.disk'), workDisk: join(dir, 'work.disk') },
      parentId: vm.runtime.baseSnapshotId ?? null,
      warmKey: key,
      sizeBytes: 0,
      pausedMs: null,
      createdAt: nowIso(),
    };
  }

  /** VM-timestamp, with -2, -3... when two are taken in the same second. */
  function defaultName(base: string): string {
    const trim = (n: string) => n.slice(0, 63).replace(/-+$/, '');
    let name = trim(base);
    for (let i = 2; store.snapshots.nameTaken(name); i++) name = `${trim(base).slice(0, 60)}-${i}`;
    return name;
  }

  function checkName(name: string): void {
    if (!SNAPSHOT_NAME_PATTERN.test(name)) {
      throw new InvalidInputError(`snapshot name ${JSON.stringify(name)} is not valid`, { code: 'snapshot.name_invalid', hint: 'use 1-63 lowercase letters, digits and inner hyphens, e.g. --name before-upgrade' });
    }
    if (store.snapshots.nameTaken(name)) throw new ConflictError(`a snapshot named ${name} already exists`, { code: 'snapshot.exists', hint: `pick another --name, or delete it: banger vm snapshot delete ${name}` });
  }

  async function take(vmRef: string, opts: { name?: string; purpose?: SnapshotRecord['purpose']; warmKey?: string } = {}): Promise<SnapshotRecord> {
    const vm = store.vms.resolve(vmRef);
    const name = opts.name ?? defaultName(`${vm.name}-${stamp(nowIso())}`);
    checkName(name);
    const planned = plannedRecord(vm, name, opts.purpose ?? 'user', opts.warmKey ?? null);
    const plan: VmSnapshotPlan = {
      snapshotId: planned.id,
      statePath: join(planned.dir, 'state.bin'),
      memoryPath: join(planned.dir, 'memory.bin'),
      disks: [
        { drive: 'root', activePath: vm.runtime.systemOverlayPath, frozenPath: planned.files.systemDisk },
        { drive: 'work', activePath: vm.runtime.workDiskPath, frozenPath: planned.files.workDisk },
      ],
    };
    store.snapshots.insertPending(planned);
    try {
      await mkdir(planned.dir, { recursive: true, mode: 0o700 });
      const { from, result } = await (await deps.vms()).snapshot(vm.id, plan);
      const live = from !== 'stopped';
      const files = { ...planned.files };
      if (live) {
        files.state = plan.statePath;
        if (await pathExists(plan.memoryPath)) files.memory = plan.memoryPath;
      }
      // The VM's disks are now layers on this snapshot's: it depends on it from here on.
      deps.vmStore.update(vm.id, { links: { baseSnapshotId: planned.id } });
      const ready = { kind: live ? ('memory' as const) : ('disk' as const), files, sizeBytes: await dirAllocatedBytes(planned.dir), pausedMs: live ? (result?.pausedMs ?? 0) : null };
      store.snapshots.markReady(planned.id, ready);
      deps.logger.info({ vm: vm.name, snapshot: name, kind: ready.kind, pausedMs: ready.pausedMs, bytes: ready.sizeBytes }, 'snapshot taken');
      return { ...planned, ...ready };
    } catch (err) {
      if ((err as { code?: string }).code === 'vmm.snapshot_state_failed') {
        // The VM runs on layers over the frozen disks: they are a consistent disk-only snapshot, kept and linked.
        deps.vmStore.update(vm.id, { links: { baseSnapshotId: planned.id } });
        await rm(plan.statePath, { force: true });
        store.snapshots.markReady(planned.id, { kind: 'disk', files: planned.files, sizeBytes: await dirAllocatedBytes(planned.dir), pausedMs: null });
        throw new ConflictError(`${(err as Error).message}; the VM runs on, and its disks at that instant are kept as snapshot ${name} (disks only)`, {
          code: 'snapshot.state_failed',
          hint: (err as { hint?: string }).hint ?? 'see bangerd.log',
        });
      }
      // The VM is as it was (the driver and storage undo a half switch): drop every trace of the snapshot.
      await removeFiles(planned);
      store.snapshots.delete(planned.id);
      throw err;
    }
  }

  function resolveVm(ref: string): VMRecord | undefined {
    try {
      return store.vms.resolve(ref);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** The VM row a fork or warm start gets: the snapshot's sizing and links to it. */
  function linkedTo(snap: SnapshotRecord, startPath: 'warm' | 'restore') {
    return (record: VMRecord): VMRecord => {
      if (record.vmm !== snap.vmm) {
        throw new ConflictError(`snapshot ${snap.name} was taken on ${snap.vmm}, but new VMs run on ${record.vmm}`, { code: 'snapshot.vmm_mismatch', hint: `set vmm = "${snap.vmm}" in config.toml to start from it` });
      }
      return { ...record, spec: { ...snap.spec, natEnabled: record.spec.natEnabled }, runtime: { ...record.runtime, restoreFrom: snap.id, baseSnapshotId: snap.id, startPath } };
    };
  }

  function sizingParams(snap: SnapshotRecord): VmCreateParams {
    return { image: snap.imageId, vcpu: snap.spec.vcpuCount, memoryMiB: snap.spec.memoryMiB };
  }

  /** The warm snapshot a new VM with this row's image and sizing can start from, if any; stale ones of the image go. */
  async function warmFor(record: VMRecord): Promise<{ key: string; snap?: SnapshotRecord; blocker?: string }> {
    const image = store.images.getById(record.imageId);
    if (!image) return { key: '', blocker: 'its image is gone' };
    const salt = (await deps.warmSalt?.()) ?? '';
    const key = warmKey(image, record, salt);
    await sweepStaleWarm(salt);
    const snap = store.snapshots.byWarmKey(key);
    return snap ? { key, snap } : { key };
  }

  /** Warm snapshots of an image that changed (or is gone) are of no use: remove those nothing depends on. */
  async function sweepStaleWarm(salt: string): Promise<void> {
    for (const s of store.snapshots.list()) {
      if (s.purpose !== 'warm' || !s.warmKey) continue;
      const image = store.images.getById(s.imageId);
      if (image && warmKey(image, { vmm: s.vmm, spec: s.spec }, salt) === s.warmKey) continue;
      if (dependents(s).length > 0) continue;
      await removeFiles(s);
      store.snapshots.delete(s.id);
      deps.logger.info({ snapshot: s.name }, 'removed a warm snapshot of an image that changed');
    }
  }

  async function makeWarm(vm: VMRecord, key: string): Promise<SnapshotRecord> {
    const image = store.images.getById(vm.imageId);
    const name = `warm-${(image?.name ?? 'image').slice(0, 30)}-${key.slice(0, 8)}`.replace(/[^a-z0-9-]/g, '-');
    return take(vm.id, { name, purpose: 'warm', warmKey: key });
  }

  return {
    create: take,

    list(vmRef) {
      const all = store.snapshots.list();
      if (!vmRef) return all;
      const vm = resolveVm(vmRef);
      const mine = all.filter((s) => (vm ? s.vmId === vm.id : s.vmName === vmRef));
      // A name that is neither a VM nor one a snapshot was taken of is a typo, not an empty list.
      if (!vm && mine.length === 0) throw new NotFoundError(`no VM named ${JSON.stringify(vmRef)}`, { code: 'vm.not_found', hint: 'see: banger vm list (or banger vm snapshot list for every snapshot)' });
      return mine;
    },

    async delete(ref) {
      const snap = store.snapshots.resolve(ref);
      const deps_ = dependents(snap);
      if (deps_.length > 0) {
        throw new ConflictError(`snapshot ${snap.name} is in use by ${deps_.join(', ')}`, {
          code: 'snapshot.in_use',
          hint: 'their disks are layered on it: delete those first',
        });
      }
      store.snapshots.delete(snap.id);
      await removeFiles(snap);
      return { deleted: snap.name };
    },

    async restore(vmRef, snapRef) {
      const vm = store.vms.resolve(vmRef);
      const snap = store.snapshots.resolve(snapRef);
      if (snap.vmId !== vm.id) {
        throw new ConflictError(`snapshot ${snap.name} was taken of VM ${snap.vmName}, not ${vm.name}`, { code: 'snapshot.other_vm', hint: `make a new VM from it instead: banger vm fork ${snap.name} --name NEW` });
      }
      imageOf(snap);
      return (await deps.vms()).reset(vm.id, async (current, wasRunning) => {
        // The VM's own layers are thrown away; the next start layers new ones on the snapshot.
        await rm(current.runtime.systemOverlayPath, { force: true });
        await rm(current.runtime.workDiskPath, { force: true });
        deps.vmStore.update(current.id, { spec: { ...snap.spec, natEnabled: current.spec.natEnabled }, links: { restoreFrom: snap.id, baseSnapshotId: snap.id, startPath: 'restore' } });
        return { start: snap.kind === 'memory' || wasRunning };
      });
    },

    async fork(source, name, opts = {}) {
      const vm = resolveVm(source);
      const snap = vm ? await take(vm.id, { name: `${vm.name}-fork-${name}`.slice(0, 63).replace(/-+$/, ''), purpose: 'fork' }) : store.snapshots.resolve(source);
      imageOf(snap);
      const params: VmCreateParams = { ...sizingParams(snap), name, ...(opts.nat !== undefined ? { nat: opts.nat } : {}), ...(opts.noStart ? { noStart: true } : {}) };
      return (await deps.vms()).create(params, { shape: linkedTo(snap, 'restore') });
    },

    async createVm(params) {
      const service = await deps.vms();
      if (params.cold) return service.create(params);
      const vm = await service.create(params, {
        // Decided on the built row, with every default applied.
        shape: async (record) => {
          const decided = await warmFor(record);
          if (decided.snap) return linkedTo(decided.snap, 'warm')(record);
          if (!decided.blocker && params.ephemeral) warmCandidates.set(record.id, decided.key);
          return record;
        },
      });
      return vm.state === 'running' ? this.afterStart(vm) : vm;
    },

    async afterStart(vm) {
      const key = warmCandidates.get(vm.id);
      if (!key || vm.state !== 'running') return vm;
      warmCandidates.delete(vm.id);
      if (store.snapshots.byWarmKey(key)) return vm;
      try {
        await makeWarm(vm, key);
      } catch (err) {
        // A VM that booted is worth more than the warm snapshot that failed: log, carry on cold next time.
        deps.logger.warn({ vm: vm.name, err: err instanceof Error ? err.message : String(err) }, 'could not take the warm snapshot');
      }
      return deps.vmStore.get(vm.id) ?? vm;
    },

    async warm(imageRef, sizing) {
      const image = store.images.find(imageRef);
      if (!image) throw new NotFoundError(`image ${imageRef} not found`, { code: 'image.not_found', hint: 'list them: banger image list' });
      const service = await deps.vms();
      const name = `warm-${newId().slice(0, 8)}`;
      let decided: { key: string; snap?: SnapshotRecord; blocker?: string } | undefined;
      const vm = await service.create(
        { image: image.id, name, noStart: true, ...sizing },
        {
          shape: async (record) => {
            decided = await warmFor(record);
            return record;
          },
        },
      );
      try {
        if (decided?.blocker) throw new ConflictError(`VMs of image ${image.name} cannot start warm: ${decided.blocker}`, { code: 'snapshot.warm_blocked' });
        if (decided?.snap) return decided.snap;
        await service.start(vm.id);
        return await makeWarm(vm, decided!.key);
      } finally {
        // The builder VM is not the user's: only its snapshot stays.
        await service.delete(vm.id, { force: true }).catch(() => undefined);
      }
    },
  };
}
