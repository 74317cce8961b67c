import dagre from '@dagrejs/dagre';
import type { MachineGraph } from '../../model/index.js';
import type { PositionedGraph, PositionedNode } from './types.js';

const CHAR_W = 7.5;
const NODE_H = 34;
const PAD = 24;

/**
 * Lays a machine graph out with dagre (compound: substates inside their parent).
 * dagre cannot route edges to a cluster, so for layout an edge that ends on a
 * compound state is attached to its initial leaf and one that starts on it to
 * its first leaf; the page still draws the edge from/to the parent's box.
 */
export function layoutGraph(g: MachineGraph): PositionedGraph {
  const dg = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  dg.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: PAD, marginy: PAD });
  dg.setDefaultEdgeLabel(() => ({}));
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const visible = g.nodes.filter((n) => n.id !== g.root);
  for (const n of visible) {
    if (n.compound) dg.setNode(n.id, { label: n.key, clusterLabelPos: 'top', paddingTop: 28 });
    else dg.setNode(n.id, { label: n.key, width: Math.max(70, n.key.length * CHAR_W + 28), height: NODE_H });
  }
  for (const n of visible) if (n.parent && n.parent !== g.root) dg.setParent(n.id, n.parent);
  const leafFor = (id: string, asTarget: boolean): string => {
    let cur = byId.get(id);
    while (cur?.compound) {
      const next = asTarget && cur.initial ? cur.initial : g.nodes.find((c) => c.parent === cur!.id)?.id;
      if (!next) break;
      cur = byId.get(next);
    }
    return cur?.id ?? id;
  };
  g.edges.forEach((e, i) => {
    const s = leafFor(e.source, false);
    const t = leafFor(e.target, true);
    if (s === t || !dg.hasNode(s) || !dg.hasNode(t)) return;
    dg.setEdge(s, t, { label: e.label, width: e.label.length * 6, height: 14 }, `e${i}`);
  });
  dagre.layout(dg);
  const parentInitial = new Set(g.nodes.map((n) => n.initial).filter((x): x is string => !!x));
  const nodes: PositionedNode[] = visible.map((n) => {
    const d = dg.node(n.id) as { x: number; y: number; width: number; height: number };
    return {
      id: n.id,
      key: n.key,
      x: d.x - d.width / 2,
      y: d.y - d.height / 2,
      width: d.width,
      height: d.height,
      compound: n.compound,
      final: n.final,
      initial: parentInitial.has(n.id),
    };
  });
  const info = dg.graph() as { width?: number; height?: number };
  return {
    id: g.id,
    width: Math.ceil((info.width ?? 400) + PAD),
    height: Math.ceil((info.height ?? 200) + PAD),
    nodes,
    edges: g.edges.filter((e) => e.source !== g.root),
  };
}
