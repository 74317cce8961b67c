/**
 * Route `/machines`: every state machine on one canvas that fits the window,
 * pans (drag) and zooms (wheel, buttons), with live actors lit and a transition log.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { PositionedGraph } from '../../../debug/viz/types.js';
import { errorText } from '../api.js';
import { useAppState } from '../context.js';
import { actorCounts } from '../events.js';
import { shortState } from '../format.js';
import { MachineCanvas } from '../machine-canvas.js';
import { loadMachines } from '../machines-data.js';

export function MachinesPage(): ReactNode {
  const state = useAppState();
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
        <MachineCanvas graphs={shown} litActor={lit ? { machineId: lit.machineId, states: new Set(lit.states) } : null} counts={counts} />
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
