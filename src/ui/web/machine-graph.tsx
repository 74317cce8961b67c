/**
 * One state machine drawn from its server-side layout (src/debug/viz/layout.ts):
 * clusters for compound states, leaves, routed edges with labels, self-loops as
 * a ↻ mark (their events in the tooltip), the live state lit and per-state actor counts.
 */
import { memo, type ReactNode } from 'react';
import type { PositionedGraph, PositionedNode } from '../../debug/viz/types.js';

interface Props {
  graph: PositionedGraph;
  active: ReadonlySet<string>;
  counts?: ReadonlyMap<string, number>;
  testId?: string;
  /** Nested placement inside the machines canvas. */
  x?: number;
  y?: number;
  className?: string;
}

type P = { x: number; y: number };
const center = (n: PositionedNode): P => ({ x: n.x + n.width / 2, y: n.y + n.height / 2 });
function border(n: PositionedNode, toward: P): P {
  const c = center(n);
  const dx = toward.x - c.x;
  const dy = toward.y - c.y;
  if (!dx && !dy) return c;
  const s = Math.min(n.width / 2 / Math.abs(dx || 1e-9), n.height / 2 / Math.abs(dy || 1e-9));
  return { x: c.x + dx * s, y: c.y + dy * s };
}

/** A smooth path through dagre's points (quadratic joins at the inner points). */
function pathThrough(pts: P[]): string {
  if (pts.length < 2) return '';
  let d = `M${pts[0]!.x},${pts[0]!.y}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const p = pts[i]!;
    const n = pts[i + 1]!;
    d += ` Q${p.x},${p.y} ${(p.x + n.x) / 2},${(p.y + n.y) / 2}`;
  }
  const last = pts[pts.length - 1]!;
  return `${d} L${last.x},${last.y}`;
}

export const MachineGraph = memo(function MachineGraph(props: Props): ReactNode {
  const { graph: g, active, counts } = props;
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const loops = new Map<string, string[]>();
  for (const e of g.edges) if (e.source === e.target) loops.set(e.source, [...(loops.get(e.source) ?? []), e.label]);
  const marker = `arrow-${g.id}`;
  return (
    <svg
      className={`machine ${props.className ?? ''}`}
      data-machine={g.id}
      data-testid={props.testId}
      x={props.x}
      y={props.y}
      width={g.width}
      height={g.height}
      viewBox={`0 0 ${g.width} ${g.height}`}
      overflow="visible"
    >
      <defs>
        <marker id={marker} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0L10,5L0,10z" className="arrowhead" />
        </marker>
      </defs>
      {g.nodes
        .filter((n) => n.compound)
        .map((n) => (
          <g key={n.id} className={`state cluster${active.has(n.id) ? ' active' : ''}`} data-state={n.id}>
            <rect x={n.x} y={n.y} width={n.width} height={n.height} rx={8} />
            <text x={n.x + 8} y={n.y + 16}>
              {n.key}
            </text>
            <Badge n={n} count={counts?.get(n.id)} />
          </g>
        ))}
      {g.edges.map((e, i) => {
        if (e.source === e.target) return null;
        const a = byId.get(e.source);
        const b = byId.get(e.target);
        if (!a || !b) return null;
        const pts = e.points && e.points.length >= 2 ? e.points : [border(a, center(b)), border(b, center(a))];
        const at = e.labelAt ?? { x: (pts[0]!.x + pts[pts.length - 1]!.x) / 2, y: (pts[0]!.y + pts[pts.length - 1]!.y) / 2 };
        return (
          <g key={i} className={`edge${a.root ? ' from-root' : ''}`}>
            <path d={pathThrough(pts)} markerEnd={`url(#${marker})`} />
            <text x={at.x} y={at.y + 3} textAnchor="middle">
              {e.label}
            </text>
          </g>
        );
      })}
      {g.nodes
        .filter((n) => !n.compound)
        .map((n) => {
          const selfs = loops.get(n.id);
          return (
            <g key={n.id} className={`state leaf${n.root ? ' root' : ''}${n.final ? ' final' : ''}${active.has(n.id) ? ' active' : ''}`} data-state={n.id}>
              <title>{selfs ? `${n.id}\nhandled here without leaving: ${selfs.join(', ')}` : n.id}</title>
              <rect x={n.x} y={n.y} width={n.width} height={n.height} rx={n.final ? 16 : 6} />
              <text x={n.x + n.width / 2} y={n.y + n.height / 2 + 4} textAnchor="middle">
                {n.key}
              </text>
              {selfs && (
                <text className="loop" x={n.x + 4} y={n.y + 11}>
                  ↻{selfs.length}
                </text>
              )}
              <Badge n={n} count={counts?.get(n.id)} />
            </g>
          );
        })}
    </svg>
  );
});

function Badge({ n, count }: { n: PositionedNode; count: number | undefined }): ReactNode {
  if (!count) return null;
  const r = 8;
  return (
    <g className="badge">
      <circle cx={n.x + n.width - 2} cy={n.y + 2} r={r} />
      <text x={n.x + n.width - 2} y={n.y + 5.5} textAnchor="middle">
        {count}
      </text>
    </g>
  );
}
