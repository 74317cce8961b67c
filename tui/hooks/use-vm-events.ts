import { useEffect, useReducer } from 'react';
import type { TuiSource } from '../source.js';
import { reduce, type TuiEvent, type TuiState } from '../state.js';

/**
 * Loads the VM list (and the images, for their names) once, then applies live
 * events from the source. The list is reloaded on reconnect, since events were
 * missed while away, and when a VM appears, goes or reaches running (the row
 * then has the daemon's own runningSince).
 */
export function useVmEvents(source: TuiSource, initial: TuiState): [TuiState, (e: TuiEvent) => void] {
  const [state, dispatch] = useReducer(reduce, initial);
  useEffect(() => {
    let alive = true;
    const load = (): void => {
      source.list().then(
        (vms) => alive && dispatch({ type: 'loaded', vms }),
        (err: Error) => alive && dispatch({ type: 'message', text: `could not list VMs: ${err.message}` }),
      );
      // Without names the column falls back to short ids; that is no reason to bother the user.
      source.images().then(
        (images) => alive && dispatch({ type: 'images', images }),
        () => undefined,
      );
    };
    load();
    const unsubscribe = source.subscribe({
      onTransition: (e) => {
        dispatch({ type: 'transition', e });
        // A VM created or deleted elsewhere changes the set of rows (and may bring a new image).
        if (e.from === 'none' || e.to === 'deleted' || (e.to === 'running' && e.from.startsWith('starting'))) load();
      },
      onStats: (e) => dispatch({ type: 'stats', e }),
      onConnection: (c, info) => {
        dispatch(info ? { type: 'connection', state: c, info } : { type: 'connection', state: c });
        if (c === 'connected') load();
      },
    });
    return () => {
      alive = false;
      unsubscribe();
    };
  }, [source]);
  return [state, dispatch];
}
