import { toDirectedGraph, type DirectedGraphNode } from '@xstate/graph';
import type { AnyStateMachine } from 'xstate';

/**
 * A machine definition as plain JSON, for `banger debug machines` and the
 * visualizer. This is the only place that reads XState's definition objects,
 * so nothing outside machines/ depends on XState internals.
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

/** xstate.done.actor.X / xstate.error.actor.X read better as "done X" / "error X". */
export function edgeLabel(eventType: string): string {
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done) return `done ${done[1]!.replace(/^0\./, '')}`;
  const err = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (err) return `error ${err[1]!.replace(/^0\./, '')}`;
  const after = /^xstate\.after\.(\d+)\./.exec(eventType);
  if (after) return `after ${after[1]}ms`;
  if (eventType === '') return 'always';
  return eventType;
}

export function machineToGraph(machine: AnyStateMachine): MachineGraph {
  const root = toDirectedGraph(machine);
  const nodes: MachineGraphNode[] = [];
  const edges: MachineGraphEdge[] = [];
  const seen = new Set<string>();
  const walk = (n: DirectedGraphNode, parent?: string): void => {
    const sn = n.stateNode;
    const childIds = n.children.map((c) => c.id);
    const initialTarget = sn.initial?.target?.[0]?.id;
    nodes.push({
      id: n.id,
      key: sn.key,
      ...(parent !== undefined ? { parent } : {}),
      compound: childIds.length > 0,
      ...(initialTarget ? { initial: initialTarget } : {}),
      final: sn.type === 'final',
      invokes: sn.invoke.map((i) => (typeof i.src === 'string' ? i.src : i.id)),
    });
    for (const e of n.edges) {
      const key = `${e.source.id}|${e.target.id}|${e.label.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ source: e.source.id, target: e.target.id, label: edgeLabel(e.label.text) });
    }
    for (const c of n.children) walk(c, n.id);
  };
  walk(root);
  return { id: machine.id, root: root.id, nodes, edges };
}

/**
 * Mermaid stateDiagram-v2 text for a graph (states nested, transitions labelled).
 * Every edge starts and ends at a declared state or [*]. The machine's root is
 * not a state of its own in the diagram, so its transitions (`on` at the top of
 * the definition, live in every state) start at a declared "any state" node; a
 * machine with no child states is drawn as the single state it is.
 */
export function graphToMermaid(g: MachineGraph): string {
  const safe = (id: string): string => id.replace(/[^A-Za-z0-9_]/g, '_');
  const lines = ['stateDiagram-v2'];
  const children = (pid: string): MachineGraphNode[] => g.nodes.filter((n) => n.parent === pid);
  const emit = (n: MachineGraphNode, indent: string): void => {
    if (n.compound) {
      lines.push(`${indent}state "${n.key}" as ${safe(n.id)} {`);
      if (n.initial) lines.push(`${indent}  [*] --> ${safe(n.initial)}`);
      for (const c of children(n.id)) emit(c, `${indent}  `);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}state "${n.key}" as ${safe(n.id)}`);
      if (n.final) lines.push(`${indent}${safe(n.id)} --> [*]`);
    }
  };
  const rootNode = g.nodes.find((n) => n.id === g.root);
  const top = children(g.root);
  // Ids from safe() are the machine id plus "_" parts, so a "__any" suffix cannot clash with a state.
  const anyId = `${safe(g.root)}__any`;
  let source = (id: string): string => safe(id);
  let target = (id: string): string => safe(id);
  if (top.length === 0) {
    lines.push(`  [*] --> ${safe(g.root)}`, `  state "${rootNode?.key ?? g.root}" as ${safe(g.root)}`);
  } else {
    if (rootNode?.initial) lines.push(`  [*] --> ${safe(rootNode.initial)}`);
    for (const c of top) emit(c, '  ');
    if (g.edges.some((e) => e.source === g.root)) lines.push(`  state "any state" as ${anyId}`);
    source = (id) => (id === g.root ? anyId : safe(id));
    // A root-level transition without a target stays where it is (drawn as a loop on "any state");
    // one that targets the root re-enters it, which lands in its initial state.
    target = (id) => (id !== g.root ? safe(id) : rootNode?.initial ? safe(rootNode.initial) : anyId);
  }
  for (const e of g.edges) {
    const to = e.source === g.root && e.target === g.root ? source(e.source) : target(e.target);
    lines.push(`  ${source(e.source)} --> ${to}: ${e.label.replace(/:/g, ' ')}`);
  }
  return lines.join('\n');
}

/**
 * Active state ids of a snapshot value, outermost first: for machine "vm" and
 * value { starting: "storage" } → ["vm.starting", "vm.starting.storage"].
 */
export function stateValueToIds(machineId: string, value: unknown, prefix = machineId): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  if (value && typeof value === 'object') {
    const out: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out.push(`${prefix}.${k}`, ...stateValueToIds(machineId, v, `${prefix}.${k}`));
    }
    return out;
  }
  return [];
}
