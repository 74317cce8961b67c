import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { ClientTable } from './client-table.js';
import { bindUdp, type Listener } from './listener.js';

export interface UdpForwardOptions {
  hostIp: string;
  hostPort: number;
  guestIp: string;
  guestPort: number;
  logger: Logger;
  /** A client's upstream socket is closed after this long without a datagram either way. @default 60000 */
  idleMs?: number;
  /** @default 1024 */
  maxClients?: number;
}

/**
 * A UDP relay: one socket on hostIp:hostPort, and per client address its own
 * upstream socket to guestIp:guestPort, so the guest sees distinct clients and
 * each reply goes back to the client that sent the request. There is no end of
 * a UDP "connection": upstream sockets close after `idleMs` of silence.
 */
export async function startUdpForward(o: UdpForwardOptions): Promise<Listener> {
  const family = isIP(o.hostIp) === 6 ? 'udp6' : 'udp4';
  const server = createSocket({ type: family, reuseAddr: false });
  const idleMs = o.idleMs ?? 60_000;
  const clients = new ClientTable<Socket>({
    idleMs,
    max: o.maxClients ?? 1024,
    now: Date.now,
    close: (s) => {
      try {
        s.close();
      } catch {
        // already closed
      }
    },
  });
  server.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    const upstream = clients.get(key, () => {
      const s = createSocket(isIP(o.guestIp) === 6 ? 'udp6' : 'udp4');
      s.on('message', (reply) => {
        clients.touch(key);
        server.send(reply, rinfo.port, rinfo.address);
      });
      s.on('error', (err) => o.logger.debug({ forward: `${o.hostIp}:${o.hostPort}/udp`, client: key, err: err.message }, 'udp upstream error'));
      return s;
    });
    upstream.send(msg, o.guestPort, o.guestIp);
  });
  // After bind, errors are per datagram (ICMP unreachable and the like): log, keep serving.
  const onError = (err: Error) => o.logger.debug({ forward: `${o.hostIp}:${o.hostPort}/udp`, err: err.message }, 'udp forward error');
  await bindUdp(server, o.hostIp, o.hostPort);
  server.on('error', onError);
  const sweeper = setInterval(() => clients.sweep(), Math.max(1000, Math.floor(idleMs / 4)));
  sweeper.unref();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweeper);
        clients.clear();
        try {
          server.close(() => resolve());
        } catch {
          resolve();
        }
      }),
  };
}
