import { useEffect, useReducer } from 'react';
import type { TuiSource } from '../source.js';
import { initialState, reduce, type TuiEvent, type TuiState } from '../state.js';

/**
 * Loads the VM list once, then applies live events from the source. On
 * reconnect the list is reloaded, since events were missed while away.
 */
export function useVmEvents(source: TuiSource): [TuiState, (e: TuiEvent) => void] {
  const [state, dispatch] = useReducer(reduce, initialState);
  useEffect(() => {
    let alive = true;
    const load = (): void => {
      source.list().then(
        (vms) => alive && dispatch({ type: 'loaded', vms }),
        (err: Error) => alive && dispatch({ type: 'message', text: `could not list VMs: ${err.message}` }),
      );
    };
    load();
    const unsubscribe = source.subscribe({
      onTransition: (e) => {
        dispatch({ type: 'transition', e });
        // A VM created or deleted elsewhere changes the set of rows.
        if (e.from === 'none' || e.to === 'deleted') load();
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
