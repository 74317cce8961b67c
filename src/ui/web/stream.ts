/**
 * The one EventSource on /api/events. EventSource retries a dropped link by
 * itself, but gives up for good on an HTTP error answer (a restarted `banger
 * ui`, a 403): then we open a new one after a growing pause. The server
 * re-sends the whole VM table (`vms`) on every connect, so nothing is missed.
 */
import type { UiEvent } from '../contract.js';
import type { Action } from './events.js';

const NAMES: ReadonlyArray<UiEvent['event']> = ['vms', 'vm', 'vm.removed', 'vm.transition', 'vm.stats', 'image.progress', 'images', 'actor', 'daemon'];
const MAX_PAUSE_MS = 15_000;

/** An EventSource that comes back after the browser gives up on it; `onOpen` runs on every (re)connect. */
export function resilientSource(
  url: string,
  on: { open?: () => void; down?: () => void; events: Record<string, (data: unknown) => void> },
): () => void {
  let es: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pause = 1000;
  let closed = false;
  const connect = (): void => {
    es = new EventSource(url);
    es.onopen = () => {
      pause = 1000;
      on.open?.();
    };
    es.onerror = () => {
      on.down?.();
      if (es?.readyState === EventSource.CLOSED && !closed) {
        timer = setTimeout(connect, pause);
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
      }
    };
    for (const [name, fn] of Object.entries(on.events)) {
      es.addEventListener(name, (ev: MessageEvent<string>) => {
        let data: unknown;
        try {
          data = JSON.parse(ev.data);
        } catch {
          return; // a malformed frame is the server's bug; the next full resend corrects it
        }
        fn(data);
      });
    }
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    es?.close();
  };
}

export function openEvents(dispatch: (a: Action) => void): () => void {
  return resilientSource('/api/events', {
    open: () => dispatch({ event: 'local.stream', data: { state: 'connected' } }),
    down: () => dispatch({ event: 'local.stream', data: { state: 'reconnecting' } }),
    events: Object.fromEntries(NAMES.map((name) => [name, (data: unknown) => dispatch({ event: name, data } as UiEvent)])),
  });
}
