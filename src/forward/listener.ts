import type { Socket as UdpSocket } from 'node:dgram';
import type { Server } from 'node:net';

/** A bound forward. `close` stops listening and drops its connections; it never rejects. */
export interface Listener {
  close(): Promise<void>;
}

/** Binds a TCP server, rejecting with the bind's own error (EADDRINUSE, EACCES, EADDRNOTAVAIL). */
export function listenTcp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Binds a UDP socket, rejecting with the bind's own error. */
export function bindUdp(socket: UdpSocket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}
