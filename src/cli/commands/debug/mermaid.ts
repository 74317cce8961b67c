import type { MachineGraph, MachineGraphNode } from '../../../model/index.js';

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
