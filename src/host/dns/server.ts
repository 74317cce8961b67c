import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { answerQuery, isForwardable } from './answer.js';

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
  /**
   * Answers names outside the zone (a Forwarder's `forward`); without it they
   * are REFUSED. Must always resolve with an answer for the client.
   */
  forward?: (query: Buffer) => Promise<Buffer>;
  /** Called for socket errors after start (logged by the caller). */
  onError?: (err: Error) => void;
}

export interface DnsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Starts a UDP DNS server authoritative for `NAME.vm` (forwarding the rest when given a forwarder). Resolves once bound. */
export function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const host = opts.host ?? '127.0.0.1';
  const answerOpts = { domain: opts.domain ?? 'vm', ttl: opts.ttl ?? 5, lookup: opts.lookup };
  const socket: Socket = createSocket({ type: 'udp4' });
  let closed = false;
  const reply = (out: Buffer, port: number, address: string) => {
    if (closed) return;
    try {
      socket.send(out, port, address);
    } catch (err) {
      opts.onError?.(err as Error);
    }
  };
  socket.on('message', (msg, rinfo) => {
    if (opts.forward && isForwardable(msg, answerOpts.domain)) {
      opts.forward(msg).then(
        (out) => reply(out, rinfo.port, rinfo.address),
        (err: unknown) => opts.onError?.(err instanceof Error ? err : new Error(String(err))),
      );
      return;
    }
    let out: Buffer | null = null;
    try {
      out = answerQuery(msg, answerOpts);
    } catch (err) {
      opts.onError?.(err as Error);
    }
    if (out) reply(out, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    const onStartError = (err: Error) => reject(err);
    socket.once('error', onStartError);
    socket.bind(opts.port ?? 0, host, () => {
      socket.off('error', onStartError);
      socket.on('error', (err) => opts.onError?.(err));
      const port = socket.address().port;
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
