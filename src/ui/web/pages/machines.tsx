/**
 * Route `/machines`: every state machine on one canvas that fits the window,
 * pans (drag) and zooms (wheel, buttons), with live actors lit and a transition log.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import type { PositionedGraph } from '../../../debug/viz/types.js';
import { errorText } from '../api.js';
import { useShared } from '../context.js';
import { actorCounts } from '../events.js';
import { shortState } from '../format.js';
import { MachineGraph } from '../machine-graph.js';
import { loadMachines } from '../machines-data.js';
import { arrange, fit, pan, STEP, wheelFactor, zoomAt, type Size, type View } from '../panzoom.js';

const TITLE_H = 26;
const EMPTY = new Set<string>();

export function MachinesPage(): ReactNode {
  const { state } = useShared();
  const [graphs, setGraphs] = useState<PositionedGraph[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [only, setOnly] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(() => {
    loadMachines()
      .then(setGraphs)
      .catch((e: unknown) => setError(errorText(e)));
  }, []);

  const actors = useMemo(() => Object.values(state.actors).sort((a, b) => (a.label ?? a.actorId).localeCompare(b.label ?? b.actorId)), [state.actors]);
  // Default selection: the first VM actor, else the first actor.
  const current = selected && state.actors[selected] ? selected : (actors.find((a) => a.machineId === 'vm') ?? actors[0])?.actorId ?? null;
  const lit = current ? state.actors[current] : undefined;
  const counts = useMemo(() => actorCounts(state.actors), [state.actors]);
  const shown = useMemo(() => (graphs ?? []).filter((g) => !only || g.id === only), [graphs, only]);

  return (
    <div className="machines">
      <div className="canvas-col">
        <div className="toolbar">
          <div className="chips">
            <button type="button" className={`chip${only === null ? ' on' : ''}`} onClick={() => setOnly(null)}>
              all
            </button>
            {(graphs ?? []).map((g) => (
              <button key={g.id} type="button" className={`chip${only === g.id ? ' on' : ''}`} onClick={() => setOnly(g.id)}>
                {g.id}
              </button>
            ))}
          </div>
        </div>
        {error && <p className="error">{error}</p>}
        <Canvas graphs={shown} litActor={lit ? { machineId: lit.machineId, states: new Set(lit.states) } : null} counts={counts} />
      </div>
      <aside className="side">
        <section className="actors">
          <h2>Live actors</h2>
          {actors.length === 0 && <p className="muted">None yet.</p>}
          {actors.map((a) => (
            <button
              key={a.actorId}
              type="button"
              className={`actor${a.actorId === current ? ' sel' : ''}`}
              data-testid="actor-row"
              data-actor={a.actorId}
              onClick={() => setSelected(a.actorId)}
            >
              <span className="ellipsis">
                {a.label ?? a.actorId} <span className="muted">({a.machineId})</span>
              </span>
              <span className="mono st">{shortState(a.states)}</span>
            </button>
          ))}
        </section>
        <section className="log-side">
          <h2>Transitions</h2>
          <ol data-testid="transition-log" className="transitions">
            {state.transitions.length === 0 && <li className="muted">Waiting for transitions…</li>}
            {state.transitions.map((e, i) => (
              <li key={`${e.at}-${e.actorId}-${i}`} data-testid="transition-entry" className="mono" onClick={() => setSelected(e.actorId)}>
                <span className="muted">{e.at.slice(11, 19)}</span> {e.label ?? e.actorId} {shortState(e.from)} → {shortState(e.to)} <span className="muted">({e.event})</span>
              </li>
            ))}
          </ol>
        </section>
      </aside>
    </div>
  );
}

function Canvas(props: { graphs: PositionedGraph[]; litActor: { machineId: string; states: Set<string> } | null; counts: Map<string, number> }): ReactNode {
  const { graphs, litActor, counts } = props;
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
  const doFit = useCallback(() => {
    touched.current = false;
    setView(fit(layout.size, viewport));
  }, [layout.size, viewport]);
  // Fit on load, on a new selection of machines and on resizes until the user pans or zooms.
  useEffect(() => {
    if (!touched.current) setView(fit(layout.size, viewport));
  }, [layout.size, viewport]);
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
    <div className="canvas" ref={host} onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp} onPointerCancel={onUp}>
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
                <MachineGraph graph={g} x={at.x} y={at.y + TITLE_H} active={litActor?.machineId === g.id ? litActor.states : EMPTY} counts={counts} />
              </g>
            );
          })}
        </g>
      </svg>
    </div>
  );
}
