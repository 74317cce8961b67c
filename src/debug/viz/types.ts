import type { MachineGraph } from '../../model/index.js';

/** A live actor as the visualizer shows it. */
export interface VizActor {
  actorId: string;
  machineId: string;
  /** A friendly label, e.g. the VM name. */
  label?: string;
  /** Active state ids, outermost first. */
  states: string[];
}

/** One transition of one actor. */
export interface VizEvent {
  actorId: string;
  machineId: string;
  label?: string;
  from: string[];
  to: string[];
  event: string;
  at: string;
}

export interface PositionedNode {
  id: string;
  key: string;
  x: number;
  y: number;
  width: number;
  height: number;
  compound: boolean;
  final: boolean;
  initial: boolean;
}

export interface PositionedGraph {
  id: string;
  width: number;
  height: number;
  nodes: PositionedNode[];
  edges: Array<{ source: string; target: string; label: string }>;
}

/** Where the visualizer gets its data: the daemon's event stream in production, a fake in tests. */
export interface VizSource {
  graphs(): Promise<MachineGraph[]>;
  actors(): Promise<VizActor[]>;
  /**
   * Live transitions. `onReset` (optional) means the actor set may have
   * changed while events were missed (the daemon restarted): the page reloads.
   */
  subscribe(onEvent: (e: VizEvent) => void, onReset?: () => void): () => void;
}
