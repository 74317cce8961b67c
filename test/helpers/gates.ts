/**
 * Gates let a test decide, one invocation at a time, how each invoked step of
 * a machine ends: run for real ('ok'), fail before acting ('fail'), or (for
 * releases) report every release as failed ('partial').
 */
export type GateMode = 'ok' | 'fail' | 'partial';

interface Pending {
  resolve: (m: GateMode) => void;
  reject: (e: Error) => void;
}

export class GateController {
  private readonly pending = new Map<string, Pending[]>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private opened = false;

  /** From now on every gate lets its step run for real at once. */
  open(): void {
    this.opened = true;
    for (const list of this.pending.values()) for (const p of list.splice(0)) p.resolve('ok');
  }

  /** Called by a gated actor: waits for the test's verdict. */
  enter(id: string, signal?: AbortSignal): Promise<GateMode> {
    if (this.opened) return Promise.resolve('ok');
    return new Promise<GateMode>((resolve, reject) => {
      const p = { resolve, reject };
      const list = this.pending.get(id) ?? [];
      list.push(p);
      this.pending.set(id, list);
      signal?.addEventListener('abort', () => {
        const l = this.pending.get(id) ?? [];
        const i = l.indexOf(p);
        if (i >= 0) l.splice(i, 1);
        reject(Object.assign(new Error(`${id} aborted at gate`), { name: 'AbortError' }));
      });
      for (const w of this.waiters.get(id) ?? []) w();
      this.waiters.delete(id);
    });
  }

  /** Waits (bounded) for `id` to be entered, then lets it through. */
  async release(id: string, mode: GateMode, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.pending.get(id)?.length)) {
      if (Date.now() > deadline) throw new Error(`gate ${id} was never entered`);
      await new Promise<void>((r) => {
        const list = this.waiters.get(id) ?? [];
        list.push(r);
        this.waiters.set(id, list);
        setTimeout(r, 20);
      });
    }
    const p = this.pending.get(id)!.shift()!;
    if (mode === 'fail') p.reject(Object.assign(new Error(`injected failure in ${id}`), { kind: 'vmm', code: 'test.injected' }));
    else p.resolve(mode);
  }
}
