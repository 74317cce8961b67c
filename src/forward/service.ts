import type { Logger } from 'pino';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.js';
import { formatHostAddress, newId, nowIso, type ForwardSpec, type ForwardView, type PortForward, type VMRecord, type VmTransition } from '../model/index.js';
import type { Store } from '../store/index.js';
import { addressesOverlap, bindError, checkHostAddress, checkPrivilegedPort } from './checks.js';
import type { Listener } from './listener.js';
import { startTcpForward } from './tcp.js';
import { startUdpForward } from './udp.js';

/** Top-level VM states in which the guest is up, so its forwards are bound (a paused VM keeps them: it resumes). */
const UP_STATES = new Set(['running', 'paused', 'snapshotting']);
/** States that say nothing about the guest yet (the actor deciding where a restored row stands). */
const NEUTRAL_STATES = new Set(['boot']);

export interface ForwardService {
  /** Adds a forward to a VM; binds it now when the VM runs. Nothing is recorded when a check or the bind fails. */
  add(vmRef: string, spec: ForwardSpec): Promise<ForwardView>;
  /** Removes a VM's forward(s) on this host port and protocol (and address, when given). @throws NotFoundError */
  remove(vmRef: string, hostPort: number, proto: ForwardSpec['proto'], hostIp?: string): Promise<ForwardView[]>;
  /** One VM's forwards, or every forward. */
  list(vmRef?: string): ForwardView[];
  /** Checks forwards for a VM not yet created (`-p` on vm create/run): nothing is recorded. */
  check(specs: readonly ForwardSpec[]): Promise<void>;
  /** Records `check`ed forwards for a VM just created, binding them if it already runs. */
  attach(vmId: string, specs: readonly ForwardSpec[]): Promise<ForwardView[]>;
  /** Follows a VM transition: binds on running, unbinds when the guest goes away. */
  onTransition(t: VmTransition): void;
  /** Binds the forwards of every VM the store says is running (bangerd start, after reconcile). */
  restore(): Promise<void>;
  /** Unbinds everything (bangerd stop). Rows stay for the next start. */
  closeAll(): Promise<void>;
}

export interface ForwardServiceOptions {
  store: Store;
  logger: Logger;
  clock?: () => number;
  /** Test seam: where the guest side is (default: the VM's guest IP). */
  guestAddress?: (vm: VMRecord) => string;
}

/**
 * Forwards in bangerd: rows are the truth (persisted, cascade-deleted with the
 * VM), listeners follow the VM's state. All operations run one at a time on a
 * single queue: a transition's bind and a `forward delete` of the same port
 * never interleave, and binds are quick.
 */
export function createForwardService(o: ForwardServiceOptions): ForwardService {
  const { store, logger } = o;
  const log = logger.child({ component: 'forward' });
  const active = new Map<string, { vmId: string; listener: Listener }>();
  const errors = new Map<string, string>();
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const guestOf = o.guestAddress ?? ((vm: VMRecord) => vm.runtime.guestIP);

  const view = (f: PortForward, vmName?: string): ForwardView => ({
    ...f,
    vmName: vmName ?? store.vms.getById(f.vmId)?.name ?? f.vmId,
    active: active.has(f.id),
    ...(errors.has(f.id) ? { error: errors.get(f.id)! } : {}),
  });

  const isUp = (vm: VMRecord) => UP_STATES.has(vm.state);

  function bind(spec: ForwardSpec, guestIp: string): Promise<Listener> {
    const args = { hostIp: spec.hostIp, hostPort: spec.hostPort, guestIp, guestPort: spec.guestPort, logger: log };
    return (spec.proto === 'tcp' ? startTcpForward(args) : startUdpForward(args)).catch((err: unknown) => {
      throw bindError(err, spec);
    });
  }

  /** The user-facing checks, in the order a user fixes them: syntax was the CLI's, then address, privilege, duplicates, the host. */
  async function checkOne(spec: ForwardSpec, others: readonly ForwardSpec[]): Promise<void> {
    checkHostAddress(spec.hostIp);
    checkPrivilegedPort(spec);
    for (const f of store.forwards.onPort(spec.proto, spec.hostPort)) {
      if (!addressesOverlap(f.hostIp, spec.hostIp)) continue;
      const owner = store.vms.getById(f.vmId)?.name ?? f.vmId;
      throw new ConflictError(`host port ${formatHostAddress(f.hostIp, f.hostPort)}/${f.proto} is already forwarded to VM ${owner} (port ${f.guestPort})`, {
        code: 'forward.exists',
        hint: `pick another host port, or remove that one: banger vm forward delete ${owner} ${f.hostPort}${f.proto === 'udp' ? ' --udp' : ''}`,
      });
    }
    const dup = others.find((x) => x !== spec && x.proto === spec.proto && x.hostPort === spec.hostPort && addressesOverlap(x.hostIp, spec.hostIp));
    if (dup) {
      throw new InvalidInputError(`host port ${formatHostAddress(spec.hostIp, spec.hostPort)}/${spec.proto} is given twice`, { code: 'forward.duplicate', hint: 'each -p needs its own host port' });
    }
  }

  /** Binds and releases at once: the port is free now (a VM that is not running gets no listener yet). */
  async function probe(spec: ForwardSpec): Promise<void> {
    const l = await bind(spec, '127.0.0.1');
    await l.close();
  }

  /** Brings one VM's listeners in line with `up`. Never throws: a failed bind is logged and shown by `forward list`. */
  async function sync(vmId: string, up: boolean): Promise<void> {
    const vm = store.vms.getById(vmId);
    const rows = vm && up ? store.forwards.byVm(vmId) : [];
    const want = new Set(rows.map((r) => r.id));
    for (const [id, a] of [...active]) {
      if (a.vmId !== vmId || want.has(id)) continue;
      active.delete(id);
      await a.listener.close();
    }
    if (!up) for (const id of [...errors.keys()]) if (!active.has(id)) errors.delete(id);
    if (!vm) return;
    for (const f of rows) {
      if (active.has(f.id)) continue;
      try {
        active.set(f.id, { vmId, listener: await bind(f, guestOf(vm)) });
        errors.delete(f.id);
        log.info({ vm: vm.name, forward: `${formatHostAddress(f.hostIp, f.hostPort)}/${f.proto}`, guestPort: f.guestPort }, 'forward up');
      } catch (err) {
        errors.set(f.id, (err as Error).message);
        log.warn({ vm: vm.name, err: (err as Error).message }, 'forward could not be bound');
      }
    }
  }

  return {
    add(vmRef, spec) {
      return serial(async () => {
        const vm = store.vms.resolve(vmRef);
        await checkOne(spec, [spec]);
        const row: PortForward = { id: newId(), vmId: vm.id, ...spec, createdAt: nowIso(o.clock) };
        if (isUp(vm)) {
          const listener = await bind(spec, guestOf(vm));
          try {
            store.forwards.insert(row);
          } catch (err) {
            await listener.close();
            throw err;
          }
          active.set(row.id, { vmId: vm.id, listener });
        } else {
          await probe(spec);
          store.forwards.insert(row);
        }
        return view(row, vm.name);
      });
    },

    remove(vmRef, hostPort, proto, hostIp) {
      return serial(async () => {
        const vm = store.vms.resolve(vmRef);
        const rows = store.forwards.byVm(vm.id).filter((f) => f.hostPort === hostPort && f.proto === proto && (hostIp === undefined || f.hostIp === hostIp));
        if (rows.length === 0) {
          throw new NotFoundError(`VM ${vm.name} has no ${proto} forward on host port ${hostPort}`, {
            code: 'forward.not_found',
            hint: `list them: banger vm forward list ${vm.name}`,
          });
        }
        const out: ForwardView[] = [];
        for (const f of rows) {
          const a = active.get(f.id);
          active.delete(f.id);
          errors.delete(f.id);
          await a?.listener.close();
          store.forwards.delete(f.id);
          out.push({ ...view(f, vm.name), active: false });
        }
        return out;
      });
    },

    list(vmRef) {
      if (vmRef === undefined) return store.forwards.list().map((f) => view(f));
      const vm = store.vms.resolve(vmRef);
      return store.forwards.byVm(vm.id).map((f) => view(f, vm.name));
    },

    check(specs) {
      return serial(async () => {
        for (const s of specs) await checkOne(s, specs);
        for (const s of specs) await probe(s);
      });
    },

    attach(vmId, specs) {
      return serial(async () => {
        const vm = store.vms.getById(vmId);
        if (!vm) return [];
        const rows = specs.map((s): PortForward => ({ id: newId(), vmId, ...s, createdAt: nowIso(o.clock) }));
        store.transaction(() => rows.forEach((r) => store.forwards.insert(r)));
        await sync(vmId, isUp(store.vms.getById(vmId) ?? vm));
        return rows.map((r) => view(r, vm.name));
      });
    },

    onTransition(t) {
      const top = t.to.split('.')[0]!;
      if (NEUTRAL_STATES.has(top)) return;
      void serial(() => sync(t.vmId, UP_STATES.has(top)));
    },

    restore() {
      return serial(async () => {
        const vmIds = new Set(store.forwards.list().map((f) => f.vmId));
        for (const id of vmIds) {
          const vm = store.vms.getById(id);
          if (vm) await sync(id, isUp(vm));
        }
      });
    },

    closeAll() {
      return serial(async () => {
        const all = [...active.values()];
        active.clear();
        await Promise.all(all.map((a) => a.listener.close()));
      });
    },
  };
}
