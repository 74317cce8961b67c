import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Listener } from './listener.js';
import { listenTcp } from './listener.js';

export interface TcpForwardOptions {
  hostIp: string;
  hostPort: number;
  guestIp: string;
  guestPort: number;
  logger: Logger;
}

/**
 * A TCP relay: every connection on hostIp:hostPort gets its own connection to
 * guestIp:guestPort and bytes are piped both ways. `pipe` gives backpressure
 * (a slow reader pauses the other side instead of buffering without bound).
 * Both sockets allow half-open: when one side ends its writing, the other side
 * is ended too and the reverse direction keeps flowing (HTTP/1.0 clients,
 * `nc -q`, rsync's protocol rely on it). A failure on one connection (guest
 * refused, reset) destroys that pair and is logged; the listener stays.
 * @throws what `listenTcp` throws when the address cannot be bound.
 */
export async function startTcpForward(o: TcpForwardOptions): Promise<Listener> {
  const conns = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = connect({ host: o.guestIp, port: o.guestPort, allowHalfOpen: true, noDelay: true });
    conns.add(client);
    conns.add(upstream);
    let failed = false;
    const fail = (side: string) => (err: Error) => {
      if (!failed) o.logger.debug({ forward: `${o.hostIp}:${o.hostPort}`, side, err: err.message }, 'forwarded connection failed');
      failed = true;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', fail('client'));
    upstream.on('error', fail('guest'));
    client.on('close', () => conns.delete(client));
    upstream.on('close', () => conns.delete(upstream));
    // pipe ends the destination when the source ends: that is the half-close passed on.
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await listenTcp(server, o.hostIp, o.hostPort);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of conns) s.destroy();
        server.close(() => resolve());
      }),
  };
}
