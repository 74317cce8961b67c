import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { layoutGraph } from './layout.js';
import { VIZ_PAGE } from './page.js';
import type { VizEvent, VizSource } from './types.js';

export interface VizServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the visualizer on 127.0.0.1 only: the page, positioned graphs, live
 * actors, and a server-sent-event stream of transitions.
 */
export async function startVizServer(source: VizSource, opts: { port?: number; host?: string } = {}): Promise<VizServer> {
  const host = opts.host ?? '127.0.0.1';
  const clients = new Set<ServerResponse>();
  const unsubscribe = source.subscribe(
    (e: VizEvent) => {
      const frame = `event: transition\ndata: ${JSON.stringify(e)}\n\n`;
      for (const c of clients) c.write(frame);
    },
    () => {
      for (const c of clients) c.write('event: reset\ndata: {}\n\n');
    },
  );
  const heartbeat = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  const json = (res: ServerResponse, body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET') {
        res.writeHead(405).end();
      } else if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(VIZ_PAGE);
      } else if (path === '/api/graphs') {
        json(res, (await source.graphs()).map(layoutGraph));
      } else if (path === '/api/actors') {
        json(res, await source.actors());
      } else if (path === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`visualizer error: ${(err as Error).message}`);
    }
  };
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: async () => {
      clearInterval(heartbeat);
      unsubscribe();
      for (const c of clients) c.end();
      clients.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
