import { VM_STATES, type VMRecord, type VMState } from '../../model/index.js';
import type { Notifications } from '../../rpc/methods.js';
import type { UiEvent } from '../contract.js';

export interface VmTableOptions {
  /** `vm.list` on the daemon link (the same connection that carries the notifications, so replies and events stay in order). */
  list(): Promise<VMRecord[]>;
  /** Every change, for the SSE hub. */
  emit(e: UiEvent): void;
  /** Trailing debounce of refetches. @default 100 */
  debounceMs?: number;
  /** A burst that never pauses still refetches this often (a pure debounce would hold new rows until it ends). @default 300 */
  maxWaitMs?: number;
  /** Refetch failures (daemon gone mid-call): the next connect refetches anyway. */
  onError?(err: Error): void;
}

const STATES = new Set<string>(VM_STATES);

/**
 * Rows equal but for their stats: stats reach tabs as `vm.stats` events, so a
 * refetch under a stats poll does not resend every row.
 */
function sameRow(a: VMRecord, b: VMRecord): boolean {
  return JSON.stringify({ ...a, stats: null }) === JSON.stringify({ ...b, stats: null });
}

function topState(path: string): string {
  return path.split(/[.|]/, 1)[0] ?? '';
}

/**
 * The one authoritative VM table of a `banger ui` process. Tabs get it whole
 * on connect and then row changes only; they never ask the daemon themselves,
 * so N tabs cost the daemon one subscription and one `vm.list` per burst of
 * changes, not N.
 *
 * - `vm.transition` moves a known row's state in place at once (the state is
 *   the first segment of `to` when that is a stored state: `starting.network`
 *   → starting). A change of top-level state also schedules a refetch, since
 *   the daemon rewrites other fields then (ip, pid, lastError).
 * - An unknown VM id or `to === 'deleted'` schedules a refetch; its diff is
 *   sent as `vm` upserts and `vm.removed`.
 * - `reload()` (first connect, daemon reconnect) refetches and sends `vms`.
 */
export class VmTable {
  private rows = new Map<string, VMRecord>();
  private loaded = false;
  private timer: NodeJS.Timeout | undefined;
  private fetching: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  /** When the pending refetch was first asked for. */
  private pendingSince = 0;

  constructor(private readonly opts: VmTableOptions) {
    this.debounceMs = opts.debounceMs ?? 100;
    this.maxWaitMs = Math.max(this.debounceMs, opts.maxWaitMs ?? 300);
  }

  /** The rows now, in the daemon's order, or undefined before the first load. */
  current(): VMRecord[] | undefined {
    return this.loaded ? [...this.rows.values()] : undefined;
  }

  /** Full refetch, then one `vms` event with every row (first connect, daemon restart). */
  async reload(): Promise<void> {
    const vms = await this.opts.list();
    if (this.closed) return;
    this.rows = new Map(vms.map((v) => [v.id, v]));
    this.opts.emit({ event: 'vms', data: { vms } });
    this.loaded = true;
  }

  /** Feed every daemon notification here; those of other topics are ignored. */
  handleNotification(method: string, params: unknown): void {
    if (method === 'vm.transition') this.onTransition(params as Notifications['vm.transition']);
    else if (method === 'vm.stats') this.onStats(params as Notifications['vm.stats']);
  }

  /** A row the UI server got back from an RPC reply (create, start…): sent now, not after the next notification. */
  upsert(vm: VMRecord): void {
    const prev = this.rows.get(vm.id);
    this.rows.set(vm.id, vm);
    if (!prev || !sameRow(prev, vm)) this.opts.emit({ event: 'vm', data: { vm } });
  }

  /** A row the UI server knows is gone (its own `vm.delete` replied). Idempotent. */
  remove(nameOrId: string): void {
    for (const [id, vm] of this.rows) {
      if (id === nameOrId || vm.name === nameOrId) {
        this.rows.delete(id);
        this.opts.emit({ event: 'vm.removed', data: { id, name: vm.name } });
        return;
      }
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onTransition(t: Notifications['vm.transition']): void {
    this.opts.emit({ event: 'vm.transition', data: t });
    const row = this.rows.get(t.vmId);
    if (!row || t.to === 'deleted') {
      this.scheduleRefetch();
      return;
    }
    const top = topState(t.to);
    if (STATES.has(top) && row.state !== top) {
      const vm: VMRecord = { ...row, state: top as VMState };
      this.rows.set(vm.id, vm);
      this.opts.emit({ event: 'vm', data: { vm } });
    }
    if (top !== topState(t.from)) this.scheduleRefetch();
  }

  private onStats(s: Notifications['vm.stats']): void {
    const row = this.rows.get(s.vmId);
    // Kept in the table silently (new tabs get fresh numbers); tabs follow the `vm.stats` event itself.
    if (row) this.rows.set(row.id, { ...row, stats: s.stats });
    this.opts.emit({ event: 'vm.stats', data: s });
  }

  private scheduleRefetch(): void {
    if (this.closed || !this.loaded) return; // before the first load, reload() brings everything
    const now = Date.now();
    if (this.timer) {
      // Debounced, but not past maxWaitMs: 200 VMs created back to back must appear while it goes on.
      if (now + this.debounceMs - this.pendingSince > this.maxWaitMs) return;
      clearTimeout(this.timer);
    } else {
      this.pendingSince = now;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refetch();
    }, this.debounceMs);
    this.timer.unref?.();
  }

  /** One `vm.list` at a time; a request during one runs once more after it. */
  private async refetch(): Promise<void> {
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = (async () => {
      try {
        const vms = await this.opts.list();
        if (!this.closed) this.applyList(vms);
      } catch (err) {
        this.opts.onError?.(err as Error);
      }
    })();
    await this.fetching;
    this.fetching = undefined;
    if (this.again && !this.closed) {
      this.again = false;
      await this.refetch();
    }
  }

  private applyList(vms: VMRecord[]): void {
    const next = new Map(vms.map((v) => [v.id, v]));
    for (const [id, prev] of this.rows) {
      if (!next.has(id)) this.opts.emit({ event: 'vm.removed', data: { id, name: prev.name } });
    }
    for (const vm of vms) {
      const prev = this.rows.get(vm.id);
      if (!prev || !sameRow(prev, vm)) this.opts.emit({ event: 'vm', data: { vm } });
    }
    this.rows = next;
  }
}
