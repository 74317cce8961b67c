/**
 * What the actor system shows outside machines/: its definitions as plain
 * graphs (machines/graph.ts builds them) and the inspection records and VM
 * transitions it streams (machines/inspect.ts), as the wire carries them.
 */

export interface MachineGraphNode {
  /** Full state id, e.g. "vm.starting.storage". */
  id: string;
  /** Local key, e.g. "storage". */
  key: string;
  parent?: string;
  compound: boolean;
  /** Id of the initial child for compound states. */
  initial?: string;
  final: boolean;
  /** Names of actors invoked while in this state. */
  invokes: string[];
}

export interface MachineGraphEdge {
  source: string;
  target: string;
  /** Human label: the event type, shortened for invoke done/error events. */
  label: string;
}

export interface MachineGraph {
  /** Machine id, e.g. "vm". */
  id: string;
  root: string;
  nodes: MachineGraphNode[];
  edges: MachineGraphEdge[];
}

export interface InspectRecord {
  /** Actor id: `supervisor`, `tapPool`, `dns`, `helperBridge`, `vm:<id>`, or a step id. */
  actor: string;
  type: 'actor' | 'event' | 'snapshot';
  /** Dotted state path (`starting.network`), or the actor status for non-machine actors. */
  state: string | null;
  event: string | null;
  at: number;
  /** For `event` records: who sent it. */
  source?: string;
}

/** A VM's lifecycle transition, streamed to subscribers. */
export interface VmTransition {
  vmId: string;
  name: string;
  from: string;
  to: string;
  event: string;
  at: string;
  error?: string;
}
