/**
 * The UDP forward's table of clients: one upstream socket per client address,
 * so a guest's reply goes back to the client that asked. Entries idle for
 * `idleMs` (no datagram either way) are closed by `sweep`; past `max` entries
 * the least recently used one is closed first, so a flood of source addresses
 * cannot exhaust bangerd's file descriptors.
 */
export class ClientTable<T> {
  private readonly entries = new Map<string, { value: T; lastSeen: number }>();

  constructor(
    private readonly opts: { idleMs: number; max: number; now: () => number; close: (value: T, key: string) => void },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry for `key`, made by `create` when there is none; either way it counts as used now. */
  get(key: string, create: () => T): T {
    const e = this.entries.get(key);
    if (e) {
      e.lastSeen = this.opts.now();
      // Re-insert: Map order is then least recently used first.
      this.entries.delete(key);
      this.entries.set(key, e);
      return e.value;
    }
    while (this.entries.size >= this.opts.max) {
      const [oldest] = this.entries.keys();
      this.drop(oldest!);
    }
    const value = create();
    this.entries.set(key, { value, lastSeen: this.opts.now() });
    return value;
  }

  /** Marks `key` used now (a reply came back). */
  touch(key: string): void {
    const e = this.entries.get(key);
    if (e) e.lastSeen = this.opts.now();
  }

  /** Closes and forgets entries idle for longer than `idleMs`; returns how many. */
  sweep(): number {
    const cutoff = this.opts.now() - this.opts.idleMs;
    let n = 0;
    for (const [key, e] of [...this.entries]) {
      if (e.lastSeen <= cutoff) {
        this.drop(key);
        n++;
      }
    }
    return n;
  }

  /** Closes every entry. */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.opts.close(e.value, key);
  }
}
