/** A tiny live chart: the last samples as a line over a filled area, hand-drawn SVG. */
import type { ReactNode } from 'react';

const W = 240;
const H = 56;

export function Sparkline(props: { testId: string; values: number[]; max: number; label: string; current: string }): ReactNode {
  const { values, max } = props;
  const top = Math.max(max, ...values, 1e-9);
  const n = Math.max(values.length, 2);
  const pts = values.map((v, i) => `${((i / (n - 1)) * W).toFixed(1)},${(H - (v / top) * (H - 4) - 2).toFixed(1)}`);
  const last = values.length ? ((values.length - 1) / (n - 1)) * W : 0;
  return (
    <figure className="chart">
      <figcaption>
        <span>{props.label}</span>
        <strong>{props.current}</strong>
      </figcaption>
      <svg data-testid={props.testId} viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`${props.label} ${props.current}`}>
        {values.length > 1 && <path className="area" d={`M0,${H} L${pts.join(' L')} L${last.toFixed(1)},${H} Z`} />}
        {values.length > 1 && <polyline className="line" points={pts.join(' ')} />}
        {values.length <= 1 && (
          <text x={W / 2} y={H / 2 + 4} textAnchor="middle" className="muted">
            waiting for samples…
          </text>
        )}
      </svg>
    </figure>
  );
}
