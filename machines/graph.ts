/**
 * A machine definition as plain JSON (src/model/machine-views.ts), for
 * `banger debug machines` and the visualizer. This is the only place that
 * reads XState's definition objects.
 */
import { toDirectedGraph, type DirectedGraphNode } from '@xstate/graph';
import type { AnyStateMachine } from 'xstate';
import type { MachineGraph, MachineGraphEdge, MachineGraphNode } from '../src/model/index.js';

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
