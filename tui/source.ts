import type { Image, VMRecord, VMStats, VMState } from '../src/model/index.js';

/** One VM state transition, as the daemon's event stream reports it. */
export interface VmTransitionEvent {
  vmId: string;
  name: string;
  from: VMState | string;
  to: VMState | string;
  event: string;
  at: string;
  error?: string;
}

export interface VmStatsEvent {
  vmId: string;
  stats: VMStats;
}

export type ConnectionState = 'connected' | 'reconnecting';

/** Detail that comes with a connection change. */
export interface ConnectionInfo {
  /** On 'connected': the daemon is a new process (its pid changed). */
  restarted?: boolean;
  /** On 'connected': the daemon refused the event subscription, so rows are not live. */
  liveError?: string;
  /** On 'reconnecting': why the last attempt failed. */
  error?: string;
}

export type VmAction = 'start' | 'stop' | 'restart' | 'pause' | 'resume' | 'delete';

/**
 * What the TUI needs from the daemon, as an interface so component tests can
 * drive the app without one. `createDaemonSource` is the real implementation.
 */
export interface TuiSource {
  /** Current VM records. */
  list(): Promise<VMRecord[]>;
  /** Current images, for the image column's names. */
  images(): Promise<Array<Pick<Image, 'id' | 'name'>>>;
  /**
   * Live updates. `onConnection('reconnecting')` when the daemon goes away,
   * then 'connected' (after which the app reloads the list). Returns unsubscribe.
   */
  subscribe(handlers: {
    onTransition(e: VmTransitionEvent): void;
    onStats(e: VmStatsEvent): void;
    onConnection(state: ConnectionState, info?: ConnectionInfo): void;
  }): () => void;
  act(action: VmAction, name: string): Promise<void>;
  /** Tail of the VM's serial console log. */
  logs(name: string, tailBytes: number): Promise<string>;
}
