/** The shell: header nav and daemon badge, the current page, toasts and the confirm dialog. */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import type { Image } from '../contract.js';
import type { VizActor } from '../../debug/viz/types.js';
import { api, errorText } from './api.js';
import { SharedContext, type ConfirmOptions, type ConfirmResult, type Shared, type Toast } from './context.js';
import { ConfirmDialog } from './dialog.js';
import { initialState, reduce, type Action, type AppState } from './events.js';
import { ImagesPage } from './pages/images.js';
import { MachinesPage } from './pages/machines.js';
import { VmPage } from './pages/vm.js';
import { VmsPage } from './pages/vms.js';
import { Link, useRoute } from './router.js';
import { openEvents } from './stream.js';

const TOAST_MS = { error: 12_000, info: 4_000 } as const;
const reducer = (s: AppState, a: Action): AppState => reduce(s, a);

export function App(): ReactNode {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [dialog, setDialog] = useState<{ options: ConfirmOptions; resolve: (r: ConfirmResult) => void } | null>(null);
  const nextId = useRef(1);
  const route = useRoute();

  const toast = useCallback((kind: Toast['kind'], text: string) => {
    const id = nextId.current++;
    setToasts((t) => [...t.slice(-4), { id, kind, text }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), TOAST_MS[kind]);
  }, []);
  const confirm = useCallback((options: ConfirmOptions) => new Promise<ConfirmResult>((resolve) => setDialog({ options, resolve })), []);
  const closeDialog = useCallback(
    (r: ConfirmResult) => {
      dialog?.resolve(r);
      setDialog(null);
    },
    [dialog],
  );

  useEffect(() => openEvents(dispatch), []);
  // Images and actors are loaded on every (re)connect; the stream then keeps them current.
  useEffect(() => {
    if (state.daemon !== 'connected') return;
    api
      .get<Image[]>('/api/images')
      .then((images) => dispatch({ event: 'local.images', data: { images } }))
      .catch((e: unknown) => toast('error', `images: ${errorText(e)}`));
    api
      .get<VizActor[]>('/api/actors')
      .then((actors) => dispatch({ event: 'local.actors', data: { actors } }))
      .catch(() => undefined); // the machines page still draws; actors arrive with their next transition
  }, [state.daemon, toast]);

  const shared: Shared = useMemo(() => ({ state, dispatch, toast, confirm }), [state, toast, confirm]);
  const badge = state.daemon === 'connected' ? 'connected' : 'reconnecting';

  return (
    <SharedContext.Provider value={shared}>
      <header className="top">
        <Link href="/" className="brand">
          banger
        </Link>
        <nav>
          <Link href="/" testId="nav-vms" current={route.page === 'vms' || route.page === 'vm'}>
            VMs
          </Link>
          <Link href="/images" testId="nav-images" current={route.page === 'images'}>
            Images
          </Link>
          <Link href="/machines" testId="nav-machines" current={route.page === 'machines'}>
            Machines
          </Link>
        </nav>
        <div className="grow" />
        <span className={`daemon ${badge}`} data-testid="daemon-status" data-state={badge} title={state.daemonError ?? ''}>
          {state.daemon === 'connected' ? 'daemon connected' : state.daemon === 'connecting' ? 'connecting…' : 'reconnecting…'}
        </span>
      </header>
      <main className={route.page === 'machines' ? 'full' : ''}>
        {route.page === 'vms' && <VmsPage />}
        {route.page === 'vm' && <VmPage key={route.name} name={route.name} />}
        {route.page === 'images' && <ImagesPage />}
        {route.page === 'machines' && <MachinesPage />}
        {route.page === 'missing' && (
          <div className="page">
            <p>Nothing at {route.path}.</p>
            <Link href="/">← VMs</Link>
          </div>
        )}
      </main>
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast ${t.kind}`} data-testid={t.kind === 'error' ? 'toast-error' : 'toast'} role={t.kind === 'error' ? 'alert' : 'status'}>
            <span>{t.text}</span>
            <button type="button" aria-label="dismiss" onClick={() => setToasts((all) => all.filter((x) => x.id !== t.id))}>
              ×
            </button>
          </div>
        ))}
      </div>
      {dialog && <ConfirmDialog options={dialog.options} onDone={closeDialog} />}
    </SharedContext.Provider>
  );
}
