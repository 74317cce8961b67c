/**
 * What the shared worker remembers so a tab that joins late starts from the
 * same state as one that was there from the start: the reducer's state (the
 * VM table, the daemon's state) replayed as a few actions. Pure.
 */
import { initialState, reduce, type Action, type AppState, type DaemonState } from './events.js';

export class HubMemory {
  private state: AppState = initialState;
  private link: DaemonState = 'connecting';

  apply(a: Action): void {
    if (a.event === 'local.stream') this.link = a.data.state;
    this.state = reduce(this.state, a);
  }

  /** The actions that bring a new tab up to date (its own reducer starts from initialState). */
  replay(): Action[] {
    const out: Action[] = [{ event: 'local.stream', data: { state: this.link } }];
    if (this.link !== 'connected') return out;
    // The daemon's own state as the server last said it.
    if (this.state.daemon !== 'connected' || this.state.daemonError) {
      out.push({ event: 'daemon', data: { state: this.state.daemon === 'connected' ? 'connected' : 'reconnecting', ...(this.state.daemonError ? { error: this.state.daemonError } : {}) } });
    }
    if (this.state.vmsLoaded) out.push({ event: 'vms', data: { vms: this.state.vms } });
    for (const [image, p] of Object.entries(this.state.progress)) {
      out.push({ event: 'image.progress', data: { image, step: p.step, ...(p.detail !== undefined ? { detail: p.detail } : {}), ...(p.fraction !== undefined ? { fraction: p.fraction } : {}) } });
    }
    return out;
  }
}
