import type { MachineGraph } from '../../model/machine-views.js';

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
  /** The machine root, drawn as an "any state" node when transitions leave it (root-level `on:` handlers). */
  root?: boolean;
}

export interface PositionedEdge {
  source: string;
  target: string;
  label: string;
  /** dagre's route, source to target; absent for self-loops (the page draws a loop on the node). */
  points?: Array<{ x: number; y: number }>;
  /** Where dagre placed the label. */
  labelAt?: { x: number; y: number };
}

export interface PositionedGraph {
  id: string;
  width: number;
  height: number;
  nodes: PositionedNode[];
  edges: PositionedEdge[];
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
