import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidInputError, UsageError } from '../../errors/index.js';
import { createVizTracker, layoutGraph } from '../../debug/viz/index.js';
import { DaemonLink, type DaemonLinkOptions, type LinkClient, type LinkStatus } from '../../rpc/daemon-link.js';
import type { Notifications } from '../../rpc/methods.js';
import type { ApiError, UiEvent } from '../contract.js';
import { errorResponse, matchRoute, runRoute, sendJson, type ApiContext, type DaemonCall } from './api.js';
import { SseHub, type SseHubOptions } from './events.js';
import { streamVmLog } from './log-stream.js';
import { SECURITY_HEADERS, authorityOf, checkRequest, loopbackProblem, newToken } from './security.js';
import { DEFAULT_ASSETS_DIR, isAssetPath, serveAsset, serveShell } from './static.js';
import { VmTable } from './vm-table.js';

export interface UiServerDeps {
  /** Opens a daemon connection (`initial` true only for the first try; see DaemonLinkOptions.connect). */
  connect(initial: boolean): Promise<LinkClient>;
  /** banger's state dir: the only place VM logs are read from. */
  stateDir: string;
  backoff?: DaemonLinkOptions['backoff'];
  /** Daemon connection changes, for the command's console output. */
  onStatus?(status: LinkStatus): void;
  /** Where app.js and app.css are. @default dist/ui/assets next to the compiled server */
  assetsDir?: URL | string;
  /** VM table refetch debounce. @default 100 */
  debounceMs?: number;
  /** Log file poll interval. @default 300 */
  logPollMs?: number;
  sse?: SseHubOptions;
}

export interface UiServerOptions {
  /** Loopback only (127.0.0.0/8 or ::1). @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
}

export interface UiServer {
  /** The URL to open, token included: `http://127.0.0.1:PORT/?token=…`. */
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const TOPICS: DaemonLinkOptions['topics'] = ['vm.transition', 'vm.stats', 'image.progress', 'debug.inspect'];

function forbidden(res: ServerResponse, reason: string): void {
  res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`forbidden: ${reason}\n`);
}

/** @throws UsageError unless `host` is a loopback address (127.0.0.0/8 or ::1). */
export function assertLoopbackHost(host: string): void {
  const problem = loopbackProblem(host);
  if (problem) {
    throw new UsageError(`banger ui listens on loopback only: ${problem}`, {
      code: 'ui.host_not_loopback',
      hint: 'omit --host (127.0.0.1), or use another loopback address; the dashboard has no remote access by design (use ssh -L to reach it from elsewhere)',
    });
  }
}

/**
 * `banger ui`'s HTTP server: a process of its own (never bangerd) that talks
 * to the daemon over one reconnecting socket link, keeps one VM table for all
 * tabs, and serves the dashboard on loopback behind a per-process token.
 * @throws UsageError for a non-loopback host, InvalidInputError when the port is taken.
 */
export async function startUiServer(deps: UiServerDeps, opts: UiServerOptions = {}): Promise<UiServer> {
  const host = opts.host ?? '127.0.0.1';
  assertLoopbackHost(host);
  const token = newToken();
  const hub = new SseHub(deps.sse);
  let daemonState: Extract<UiEvent, { event: 'daemon' }>['data'] = { state: 'reconnecting' };
  const setDaemonState = (next: typeof daemonState): void => {
    if (next.state === daemonState.state && next.state === 'reconnecting') return; // one event per outage
    daemonState = next;
    hub.broadcast({ event: 'daemon', data: next });
  };

  // One link for everything: the table's vm.list replies and the notifications share a connection, so they stay in order.
  // Its callbacks run only after link.start() (below), when vmTable and vizTracker exist.
  const link = new DaemonLink({
    connect: deps.connect,
    topics: TOPICS,
    ...(deps.backoff ? { backoff: deps.backoff } : {}),
    onNotification(method, params) {
      vmTable.handleNotification(method, params);
      vizTracker.handleNotification(method, params);
      if (method === 'image.progress') hub.broadcast({ event: 'image.progress', data: params as Notifications['image.progress'] });
    },
    onStatus(status) {
      deps.onStatus?.(status);
      vizTracker.handleStatus(status);
      if (status.state === 'reconnecting') {
        setDaemonState({ state: 'reconnecting', error: status.error });
        return;
      }
      setDaemonState({ state: 'connected' });
      void vmTable.reload().catch((err: Error) => setDaemonState({ state: 'reconnecting', error: err.message }));
    },
  });
  const call: DaemonCall = (method, params, callOpts) => link.call(method, params, callOpts);
  const vmTable = new VmTable({ list: () => call('vm.list', {}, { timeoutMs: 30_000 }), emit: (e) => hub.broadcast(e), ...(deps.debounceMs !== undefined ? { debounceMs: deps.debounceMs } : {}) });
  const vizTracker = createVizTracker((method, params) => link.call(method, params), () => link.start());
  const stopActors = vizTracker.subscribe((e) => hub.broadcast({ event: 'actor', data: e }));

  const ctx: ApiContext = {
    call,
    table: vmTable,
    emit: (e) => hub.broadcast(e),
    machines: async () => (await vizTracker.graphs()).map(layoutGraph),
    actors: () => vizTracker.actors(),
  };
  const assetsDir = deps.assetsDir ?? DEFAULT_ASSETS_DIR;
  let authority = '';

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    // Every refusal happens here, before any daemon call or file read.
    const gate = checkRequest(req, { token, authority });
    if (gate.kind === 'deny') return forbidden(res, gate.reason);
    if (gate.kind === 'redirect') {
      res.writeHead(303, { location: gate.location, 'set-cookie': gate.setCookie, 'cache-control': 'no-store' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', `http://${authority}`);
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      try {
        const m = matchRoute(method, url.pathname);
        if (!m) {
          const body: ApiError = { error: { message: `no route ${method} ${url.pathname}`, code: 'ui.no_route', kind: 'not_found' } };
          return sendJson(res, 404, body);
        }
        if (m.route === 'events') {
          const vms = vmTable.current();
          const first: UiEvent[] = [{ event: 'daemon', data: daemonState }];
          // Before the first load the tab gets `vms` with everyone else, when it arrives.
          if (vms) first.unshift({ event: 'vms', data: { vms } });
          hub.add(res, first);
          return;
        }
        if (m.route === 'vms.log.stream') {
          await streamVmLog(req, res, m.name, { call, stateDir: deps.stateDir, ...(deps.logPollMs !== undefined ? { pollMs: deps.logPollMs } : {}) });
          return;
        }
        sendJson(res, 200, await runRoute(m, req, url, ctx));
      } catch (err) {
        if (res.headersSent) {
          res.end();
          return;
        }
        const { status, body } = errorResponse(err);
        sendJson(res, status, body);
      }
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    if (isAssetPath(url.pathname)) return serveAsset(res, url.pathname, assetsDir, method === 'HEAD');
    if (url.pathname.startsWith('/assets/')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    return serveShell(res, assetsDir, method === 'HEAD');
  };

  const server: Server = createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end();
    });
  });
  const closeAll = (): void => {
    stopActors();
    vmTable.close();
    link.close();
    hub.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    closeAll();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new InvalidInputError(`port ${opts.port} on ${host} is already in use`, { code: 'ui.port_in_use', hint: 'pick another with --port, or omit it for a free one' });
    }
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  authority = authorityOf(host, port);
  link.start();
  return {
    url: `http://${authority}/?token=${token}`,
    host,
    port,
    token,
    close: async () => {
      closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Open event streams and keep-alive sockets would hold close() forever.
      server.closeAllConnections();
      await closed;
    },
  };
}
