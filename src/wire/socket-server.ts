import { chmodSync, chownSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { RpcConnection, type LineHandler } from './connection.js';

export interface RpcSocketServerOptions {
  /** Unix socket path; the caller makes sure no stale socket is in the way. */
  path: string;
  handle: LineHandler;
  /** Socket file mode, held from the socket's first instant (umask). @default 0o600 */
  mode?: number;
  /** Hands the socket to this user: a root server (banger-helper) serving one owner. */
  owner?: { uid: number; gid: number };
  maxLineBytes?: number;
  onConnectionError?: (conn: RpcConnection, reason: string) => void;
}

/**
 * A Unix-socket NDJSON server (bangerd's and banger-helper's) with a registry
 * of live connections, so the daemon can broadcast notifications and close
 * every client on shutdown.
 */
export class RpcSocketServer {
  private readonly server: Server;
  private readonly live = new Set<RpcConnection>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: RpcSocketServerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Live connections (read-only view). */
  get connections(): ReadonlySet<RpcConnection> {
    return this.live;
  }

  /** Starts listening; the socket file has `mode` (and `owner`) before the promise resolves. */
  listen(): Promise<void> {
    const mode = this.opts.mode ?? 0o600;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      // bind(2) runs synchronously inside listen(), so the umask is back before any other code runs.
      const oldMask = process.umask(0o777 & ~mode);
      try {
        this.server.listen(this.opts.path, () => {
          this.server.off('error', onError);
          try {
            if (this.opts.owner) chownSync(this.opts.path, this.opts.owner.uid, this.opts.owner.gid);
            chmodSync(this.opts.path, mode);
          } catch (err) {
            reject(err as Error);
            return;
          }
          resolve();
        });
      } finally {
        process.umask(oldMask);
      }
    });
  }

  /** Sends a notification to every live connection; returns how many got it. */
  broadcast(method: string, params?: unknown): number {
    let n = 0;
    for (const c of this.live) if (c.notify(method, params)) n++;
    return n;
  }

  /**
   * Stops accepting, closes every connection (destroying ones that do not
   * drain within `graceMs`) and resolves when the listener is closed. Node
   * removes the socket file when a listening Unix server closes.
   */
  async close(graceMs = 1000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.live) c.close('server shutting down');
    const timer = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const conn = new RpcConnection(socket, this.opts.handle, {
      maxLineBytes: this.opts.maxLineBytes,
      onClose: (c, reason) => {
        this.live.delete(c);
        if (reason !== 'peer closed' && reason !== 'server shutting down') this.opts.onConnectionError?.(c, reason);
      },
    });
    this.live.add(conn);
  }
}
