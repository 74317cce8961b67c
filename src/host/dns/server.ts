import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { answerQuery } from './answer.js';

export interface DnsServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks an ephemeral port. @default 0 */
  port?: number;
  /** @default 'vm' */
  domain?: string;
  /** @default 5 */
  ttl?: number;
  lookup: (name: string) => string | undefined;
  /** Called for socket errors after start (logged by the caller). */
  onError?: (err: Error) => void;
}

export interface DnsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Starts a UDP DNS server authoritative for `NAME.vm`. Resolves once bound. */
export function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const host = opts.host ?? '127.0.0.1';
  const answerOpts = { domain: opts.domain ?? 'vm', ttl: opts.ttl ?? 5, lookup: opts.lookup };
  const socket: Socket = createSocket({ type: 'udp4' });
  socket.on('message', (msg, rinfo) => {
    let out: Buffer | null = null;
    try {
      out = answerQuery(msg, answerOpts);
    } catch (err) {
      opts.onError?.(err as Error);
    }
    if (out) socket.send(out, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    const onStartError = (err: Error) => reject(err);
    socket.once('error', onStartError);
    socket.bind(opts.port ?? 0, host, () => {
      socket.off('error', onStartError);
      socket.on('error', (err) => opts.onError?.(err));
      const port = socket.address().port;
      let closed = false;
      resolve({
        host,
        port,
        close: () =>
          new Promise<void>((done) => {
            if (closed) return done();
            closed = true;
            socket.close(() => done());
          }),
      });
    });
  });
}
