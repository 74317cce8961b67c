/**
 * State machines on a canvas that fits its box, pans (drag) and zooms (wheel,
 * buttons). The math is panzoom.ts; this wires it to pointer and wheel events.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import type { PositionedGraph } from '../../debug/viz/types.js';
import { MachineGraph } from './machine-graph.js';
import { arrange, centerOn, fit, pan, STEP, wheelFactor, zoomAt, type Size, type View } from './panzoom.js';

const TITLE_H = 26;
const EMPTY: ReadonlySet<string> = new Set<string>();

export function MachineCanvas(props: {
  graphs: PositionedGraph[];
  litActor: { machineId: string; states: ReadonlySet<string> } | null;
  counts?: ReadonlyMap<string, number>;
  /** data-testid of the (single) machine's svg, for the VM page. */
  graphTestId?: string;
  /** Start centred on this state at 100% instead of fitting everything (the VM page: its current state). */
  focusState?: string;
  className?: string;
}): ReactNode {
  const { graphs, litActor, counts, focusState } = props;
  const host = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState<Size>({ width: 0, height: 0 });
  const [view, setView] = useState<View>({ x: 0, y: 0, k: 1 });
  const touched = useRef(false);
  const drag = useRef<{ x: number; y: number; id: number } | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewport({ width: el.clientWidth, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const layout = useMemo(
    () => arrange(graphs.map((g) => ({ width: g.width, height: g.height + TITLE_H })), viewport.width && viewport.height ? viewport : { width: 16, height: 9 }),
    [graphs, viewport],
  );
  const initial = useCallback((): View => {
    if (focusState) {
      for (const [i, g] of graphs.entries()) {
        const n = g.nodes.find((x) => x.id === focusState);
        const at = layout.at[i];
        if (n && at) return centerOn({ x: at.x + n.x + n.width / 2, y: at.y + TITLE_H + n.y + n.height / 2 }, viewport, 1);
      }
    }
    return fit(layout.size, viewport);
  }, [focusState, graphs, layout, viewport]);
  const doFit = useCallback(() => {
    touched.current = false;
    setView(fit(layout.size, viewport));
  }, [layout.size, viewport]);
  // Fit (or focus) on load, on a new selection of machines and on resizes until the user pans or zooms.
  useEffect(() => {
    if (!touched.current) setView(initial());
  }, [initial]);
  useEffect(() => {
    touched.current = false;
  }, [graphs]);

  // Wheel needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      touched.current = true;
      setView((v) => zoomAt(v, wheelFactor(e.deltaMode === 1 ? e.deltaY * 33 : e.deltaY), { x: e.clientX - r.left, y: e.clientY - r.top }));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const zoomButton = (factor: number): void => {
    touched.current = true;
    setView((v) => zoomAt(v, factor, { x: viewport.width / 2, y: viewport.height / 2 }));
  };
  const onDown = (e: ReactPointerEvent<HTMLDivElement>): void => {
    if (e.button !== 0) return;
    drag.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onMove = (e: ReactPointerEvent<HTMLDivElement>): void => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    touched.current = true;
    setView((v) => pan(v, e.clientX - d.x, e.clientY - d.y));
    drag.current = { ...d, x: e.clientX, y: e.clientY };
  };
  const onUp = (e: ReactPointerEvent<HTMLDivElement>): void => {
    if (drag.current?.id === e.pointerId) drag.current = null;
  };

  return (
    <div className={`canvas ${props.className ?? ''}`} ref={host} onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp} onPointerCancel={onUp}>
      <div className="zoom">
        <button type="button" data-testid="zoom-in" title="zoom in" onClick={() => zoomButton(STEP)} onPointerDown={(e) => e.stopPropagation()}>
          +
        </button>
        <button type="button" data-testid="zoom-out" title="zoom out" onClick={() => zoomButton(1 / STEP)} onPointerDown={(e) => e.stopPropagation()}>
          −
        </button>
        <button type="button" data-testid="zoom-fit" title="fit to window" onClick={doFit} onPointerDown={(e) => e.stopPropagation()}>
          fit
        </button>
        <span className="muted small">{Math.round(view.k * 100)}%</span>
      </div>
      <svg className="canvas-svg" width="100%" height="100%">
        <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
          {graphs.map((g, i) => {
            const at = layout.at[i]!;
            return (
              <g key={g.id}>
                <text className="machine-title" x={at.x} y={at.y + 16}>
                  {g.id}
                </text>
                <MachineGraph graph={g} x={at.x} y={at.y + TITLE_H} active={litActor?.machineId === g.id ? litActor.states : EMPTY} counts={counts} testId={props.graphTestId} />
              </g>
            );
          })}
        </g>
      </svg>
    </div>
  );
}
