/**
 * The web dashboard's wire contract between `banger ui`'s HTTP server
 * (src/ui/server) and the browser app (src/ui/web): routes, bodies and the
 * server-sent events. Types only (plus constants), so the browser bundle can
 * import it without pulling in Node code.
 *
 * Auth: the printed URL is `http://127.0.0.1:PORT/?token=TOKEN`. That first
 * request sets the cookie `UI_COOKIE` (HttpOnly, SameSite=Strict, Path=/) and
 * redirects (303) to the same URL without the token (arriving from another
 * site, e.g. `--open`'s file:// page, it answers 200 with a page that moves on
 * by meta refresh: Strict cookies do not ride a cross-site redirect chain).
 * Every request needs the
 * cookie (or `?token=`), a Host header equal to the listening address, and,
 * for POST/DELETE, an Origin equal to `http://HOST:PORT` plus the header
 * `UI_CSRF_HEADER: 1` (not sendable cross-origin without a CORS preflight,
 * which the server never grants). Anything else is 403 and changes nothing.
 */
// From the model's type-only modules, not its index: the index also exports Node code (ids, names), and the
// browser app's typecheck (DOM lib, no Node types) must not reach it.
import type { Image, PortRow, VMRecord, VMState, VMStats } from '../model/types.js';
import type { VmTransition } from '../model/machine-views.js';
import type { SnapshotRecord } from '../model/snapshot.js';
import type { VizEvent } from '../debug/viz/types.js';

export const UI_COOKIE = 'banger_ui';
export const UI_CSRF_HEADER = 'x-banger-ui';

/** Errors from every /api route: HTTP status 4xx/5xx with this body (the daemon's BangerError, flattened). */
export interface ApiError {
  error: { message: string; code?: string; hint?: string; kind?: string };
}

/**
 * Routes (all JSON; `:name` is a VM or image name, URL-encoded):
 *   GET    /api/vms                         → VMRecord[]
 *   GET    /api/vms/:name                   → VmDetail
 *   POST   /api/vms                  CreateVmBody → VMRecord
 *   POST   /api/vms/:name/start|stop|restart|pause|resume   (no body) → VMRecord
 *   POST   /api/vms/:name/snapshot   SnapshotBody → SnapshotRecord
 *   POST   /api/vms/:name/fork       ForkBody → VMRecord
 *   DELETE /api/vms/:name                   → { deleted: string }
 *   GET    /api/vms/:name/ports             → PortRow[]
 *   GET    /api/vms/:name/log?tailBytes=N   → { text: string }
 *   GET    /api/vms/:name/log/stream        → text/event-stream: `log` events, data = {text} appended chunks (first one is the tail)
 *   DELETE /api/snapshots/:snapshot         → { deleted: string }
 *   GET    /api/images                      → Image[]
 *   POST   /api/images/build         BuildImageBody → Image   (returns when the build ends; progress comes as `image.progress` events)
 *   POST   /api/images/import        ImportImageBody → Image
 *   DELETE /api/images/:name                → { deleted: string }
 *   GET    /api/machines                    → PositionedGraph[]  (src/debug/viz layout)
 *   GET    /api/actors                      → VizActor[]
 *   GET    /api/events                      → text/event-stream of UiEvent (see below)
 *   GET    /  and any non-/api path          → the app's HTML shell (client-side routing)
 *   GET    /assets/app.js, /assets/app.css  → the bundle
 */
export interface VmDetail {
  vm: VMRecord;
  image?: Image;
  snapshots: SnapshotRecord[];
}

/** Mirrors `banger vm create` flags; validated by the daemon exactly as the CLI's. */
export interface CreateVmBody {
  name?: string;
  image?: string;
  vcpu?: number;
  memoryMiB?: number;
  /** "8G" style, as typed. */
  diskSize?: string;
  nat?: boolean;
  noStart?: boolean;
}
export interface SnapshotBody {
  snapshot?: string;
}
export interface ForkBody {
  name: string;
  nat?: boolean;
  noStart?: boolean;
}
export interface BuildImageBody {
  profile: 'debian' | 'dev' | 'minimal';
  name?: string;
  force?: boolean;
}
export interface ImportImageBody {
  name: string;
  /** A path on the host (the daemon reads it as the user). */
  source: string;
  format?: 'auto' | 'oci' | 'docker' | 'tar';
}

/**
 * Server-sent events on /api/events (`event:` name → `data:` JSON). The server
 * keeps one authoritative VM table from the daemon (vm.list + notifications)
 * and pushes whole rows, so a tab never has to reconcile on its own:
 *   `vms`        { vms: VMRecord[] }  sent first on every (re)connect, and after the daemon restarts
 *   `vm`         { vm: VMRecord }     a row changed or appeared
 *   `vm.removed` { id: string, name: string }
 *   `vm.transition`  VmTransition      (for transition logs; the row comes as `vm` too)
 *   `vm.stats`   { vmId, name, state, stats }
 *   `image.progress` { image, step, detail?, fraction? }
 *   `images`     { images: Image[] }  after an image is built, imported or deleted
 *   `actor`      VizEvent             a transition of any live actor (machines page)
 *   `daemon`     { state: 'connected' | 'reconnecting', error?: string }
 */
export type UiEvent =
  | { event: 'vms'; data: { vms: VMRecord[] } }
  | { event: 'vm'; data: { vm: VMRecord } }
  | { event: 'vm.removed'; data: { id: string; name: string } }
  | { event: 'vm.transition'; data: VmTransition }
  | { event: 'vm.stats'; data: { vmId: string; name: string; state: VMState; stats: VMStats } }
  | { event: 'image.progress'; data: { image: string; step: string; detail?: string; fraction?: number } }
  | { event: 'images'; data: { images: Image[] } }
  | { event: 'actor'; data: VizEvent }
  | { event: 'daemon'; data: { state: 'connected' | 'reconnecting'; error?: string } };

export type { Image, PortRow, SnapshotRecord, VMRecord };

/*
 * Test hooks the app renders (the browser tests select on these, nothing else):
 *   nav:       [data-testid=nav-vms|nav-images|nav-machines], [data-testid=daemon-status][data-state=connected|reconnecting]
 *   VMs page (route /):        [data-testid=vm-table]; one [data-testid=vm-row][data-vm=NAME][data-state=STATE] per VM,
 *              cells [data-col=state|image|size|ip|cpu|memory|uptime]; row buttons [data-action=start|stop|restart|pause|resume|snapshot|fork|delete]
 *              (only those valid for the state are enabled); the row name is a link to /vms/NAME.
 *              Confirmation: [data-testid=confirm-dialog] with [data-testid=confirm-ok] / [data-testid=confirm-cancel];
 *              fork asks for a name in [data-testid=fork-name] inside the dialog, snapshot for an optional one in [data-testid=snapshot-name].
 *              Create form [data-testid=create-vm-form], inputs by name= name|image|vcpu|memoryMiB|diskSize|nat, submit [data-testid=create-vm-submit].
 *              Any failed action or form: [data-testid=form-error] (forms) or [data-testid=toast-error] (row actions), text = message + hint.
 *   VM page (route /vms/NAME): [data-testid=vm-detail][data-vm=NAME][data-state=STATE], [data-testid=vm-spec], [data-testid=vm-runtime],
 *              [data-testid=vm-chart-cpu], [data-testid=vm-chart-memory] (svg), [data-testid=vm-log] (pre, follows live),
 *              [data-testid=vm-ports] with a[data-port=PORT] links (href http://IP:PORT/), [data-testid=vm-snapshots] > [data-testid=snapshot-row][data-snapshot=NAME],
 *              [data-testid=vm-machine] (svg of the vm machine, current state .state.active), the same action buttons as a row.
 *   Images page (route /images): [data-testid=image-table] > [data-testid=image-row][data-image=NAME] with [data-action=delete];
 *              [data-testid=build-image-form] (select name=profile, input name=name), [data-testid=image-progress] (last step/fraction while building);
 *              [data-testid=import-image-form] (inputs name=name, name=source).
 *   Machines page (route /machines): svg[data-machine=ID] with g.state[data-state=STATE_ID] (.active when lit), [data-testid=actor-row][data-actor=ID],
 *              [data-testid=transition-log] > [data-testid=transition-entry]; controls [data-testid=zoom-in|zoom-out|zoom-fit].
 */
