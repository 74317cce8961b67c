/**
 * The one EventSource on /api/events. EventSource reconnects by itself; we
 * only report the link's state so the header badge is honest, and the server
 * re-sends the whole VM table (`vms`) on every connect so nothing is missed.
 */
import type { UiEvent } from '../contract.js';
import type { Action } from './events.js';

const NAMES: ReadonlyArray<UiEvent['event']> = ['vms', 'vm', 'vm.removed', 'vm.transition', 'vm.stats', 'image.progress', 'images', 'actor', 'daemon'];

export function openEvents(dispatch: (a: Action) => void): () => void {
  const es = new EventSource('/api/events');
  es.onopen = () => dispatch({ event: 'local.stream', data: { state: 'connected' } });
  es.onerror = () => dispatch({ event: 'local.stream', data: { state: 'reconnecting' } });
  for (const name of NAMES) {
    es.addEventListener(name, (ev: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return; // a malformed frame is the server's bug; the next `vms` resyncs
      }
      dispatch({ event: name, data } as UiEvent);
    });
  }
  return () => es.close();
}
