import dagre from '@dagrejs/dagre';
import type { MachineGraph } from '../../model/index.js';
import type { PositionedEdge, PositionedGraph, PositionedNode } from './types.js';

const CHAR_W = 7.5;
const NODE_H = 34;
const PAD = 24;
/** Label of the pseudo node standing for the machine root: its transitions apply in any state. */
export const ROOT_KEY = 'any state';

const leafWidth = (label: string): number => Math.max(70, label.length * CHAR_W + 28);

/**
 * Lays a machine graph out with dagre (compound: substates inside their parent).
 * dagre cannot route edges to a cluster, so for layout an edge that ends on a
 * compound state is attached to its initial leaf and one that starts on it to
 * its first leaf; the page still draws the edge from/to the parent's box.
 *
 * Root-level transitions (`on:` of the machine itself, handled in any state)
 * would otherwise vanish with the root's box, so when the root has any the
 * root becomes one leaf node, "any state", and its edges leave from there.
 * Self-loops (targetless or re-entering handlers) are not given to dagre; the
 * page draws them as loops on their node.
 */
export function layoutGraph(g: MachineGraph): PositionedGraph {
  const dg = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  dg.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: PAD, marginy: PAD });
  dg.setDefaultEdgeLabel(() => ({}));
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const rootHasEdges = g.edges.some((e) => e.source === g.root);
  const visible = g.nodes.filter((n) => n.id !== g.root);
  if (rootHasEdges) dg.setNode(g.root, { label: ROOT_KEY, width: leafWidth(ROOT_KEY), height: NODE_H });
  for (const n of visible) {
    if (n.compound) dg.setNode(n.id, { label: n.key, clusterLabelPos: 'top', paddingTop: 28 });
    else dg.setNode(n.id, { label: n.key, width: leafWidth(n.key), height: NODE_H });
  }
  for (const n of visible) if (n.parent && n.parent !== g.root) dg.setParent(n.id, n.parent);
  const leafFor = (id: string, asTarget: boolean): string => {
    if (id === g.root) return id;
    let cur = byId.get(id);
    while (cur?.compound) {
      const next = asTarget && cur.initial ? cur.initial : g.nodes.find((c) => c.parent === cur!.id)?.id;
      if (!next) break;
      cur = byId.get(next);
    }
    return cur?.id ?? id;
  };
  const laid = new Map<number, string[]>();
  g.edges.forEach((e, i) => {
    const s = leafFor(e.source, false);
    const t = leafFor(e.target, true);
    if (s === t || !dg.hasNode(s) || !dg.hasNode(t)) return;
    dg.setEdge(s, t, { label: e.label, width: e.label.length * 6, height: 14 }, `e${i}`);
    laid.set(i, [s, t]);
  });
  dagre.layout(dg);
  const parentInitial = new Set(g.nodes.map((n) => n.initial).filter((x): x is string => !!x));
  const place = (id: string): { x: number; y: number; width: number; height: number } =>
    dg.node(id) as { x: number; y: number; width: number; height: number };
  const nodes: PositionedNode[] = visible.map((n) => {
    const d = place(n.id);
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
  if (rootHasEdges) {
    const d = place(g.root);
    nodes.unshift({ id: g.root, key: ROOT_KEY, x: d.x - d.width / 2, y: d.y - d.height / 2, width: d.width, height: d.height, compound: false, final: false, initial: false, root: true });
  }
  const edges: PositionedEdge[] = [];
  g.edges.forEach((e, i) => {
    // A root self-edge with no root node to draw it on (nothing else leaves the root) cannot happen; edges into
    // the root (none today) stay out like before: the root has no box of its own.
    if (e.target === g.root && e.source !== g.root) return;
    const st = laid.get(i);
    if (!st) {
      edges.push({ source: e.source, target: e.target, label: e.label });
      return;
    }
    const d = dg.edge({ v: st[0]!, w: st[1]!, name: `e${i}` }) as { points?: Array<{ x: number; y: number }>; x?: number; y?: number };
    edges.push({
      source: e.source,
      target: e.target,
      label: e.label,
      ...(d.points ? { points: d.points.map((p) => ({ x: Math.round(p.x), y: Math.round(p.y) })) } : {}),
      ...(d.x !== undefined && d.y !== undefined ? { labelAt: { x: Math.round(d.x), y: Math.round(d.y) } } : {}),
    });
  });
  const info = dg.graph() as { width?: number; height?: number };
  return {
    id: g.id,
    width: Math.ceil((info.width ?? 400) + PAD),
    height: Math.ceil((info.height ?? 200) + PAD),
    nodes,
    edges,
  };
}
