import { connect, type Socket } from 'node:net';
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from 'json-rpc-2.0';
import { DaemonUnavailableError, fromRpcError, type BangerError } from '../errors/index.js';
import { encodeLine, readMessages } from '../wire/framing.js';
import type { MethodName, MethodParams, MethodResult } from './methods.js';

export interface ConnectOptions {
  /** Give up connecting after this long. @default 2000 */
  timeoutMs?: number;
}

export type NotificationHandler = (method: string, params: unknown) => void;

/**
 * Typed JSON-RPC client over the daemon's Unix socket. `call` is checked
 * against `MethodResults`, so a renamed method or changed param fails to
 * compile. Errors come back as BangerErrors (rebuilt from `error.data.kind`).
 */
export class RpcClient {
  private readonly rpc: JSONRPCClient;
  private readonly handlers = new Set<NotificationHandler>();
  private readonly closeHandlers = new Set<(err: BangerError) => void>();
  private closedError: BangerError | undefined;

  private constructor(private readonly socket: Socket, readonly socketPath: string) {
    this.rpc = new JSONRPCClient((payload: unknown) => {
      if (this.closedError) throw this.closedError;
      socket.write(encodeLine(payload));
    });
    readMessages(socket, (msg) => this.onMessage(msg));
    const onGone = (why: string) => {
      if (this.closedError) return;
      this.closedError = new DaemonUnavailableError(`connection to bangerd lost (${why})`, {
        code: 'daemon.connection_lost',
        hint: 'check the daemon log, then retry',
      });
      this.rpc.rejectAllPendingRequests(this.closedError.message);
      for (const h of this.closeHandlers) h(this.closedError);
    };
    socket.on('error', (err) => onGone(err.message));
    socket.on('close', () => onGone('closed'));
  }

  /** Connects to `socketPath`; rejects with DaemonUnavailableError when nothing answers. */
  static connect(socketPath: string, opts: ConnectOptions = {}): Promise<RpcClient> {
    const timeoutMs = opts.timeoutMs ?? 2000;
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(unavailable(socketPath, 'timed out'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RpcClient(socket, socketPath));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(unavailable(socketPath, err.code ?? err.message));
      });
    });
  }

  /** Calls a daemon method. @throws BangerError (the daemon's, or DaemonUnavailableError). */
  async call<M extends MethodName>(method: M, params: MethodParams<M>, opts: { timeoutMs?: number } = {}): Promise<MethodResult<M>> {
    const requester = opts.timeoutMs ? this.rpc.timeout(opts.timeoutMs) : this.rpc;
    try {
      return (await requester.request(method, params, undefined)) as MethodResult<M>;
    } catch (err) {
      if (err instanceof JSONRPCErrorException) throw fromRpcError({ code: err.code, message: err.message, data: err.data });
      if (this.closedError) throw this.closedError;
      throw err;
    }
  }

  /** Subscribes to server notifications; returns an unsubscribe function. */
  onNotification(handler: NotificationHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /**
   * Called once when the connection is gone (daemon exited, socket error, or
   * `close()`), so long-lived views can reconnect. Returns an unsubscribe.
   */
  onClose(handler: (err: BangerError) => void): () => void {
    if (this.closedError) {
      const err = this.closedError;
      queueMicrotask(() => handler(err));
      return () => undefined;
    }
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  /** True once the connection is gone. */
  get closed(): boolean {
    return this.closedError !== undefined;
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private onMessage(msg: unknown): void {
    if (msg && typeof msg === 'object' && 'method' in msg && !('id' in msg)) {
      const { method, params } = msg as { method: string; params?: unknown };
      for (const h of this.handlers) h(method, params);
    } else {
      this.rpc.receive(msg as JSONRPCResponse);
    }
  }
}

function unavailable(socketPath: string, why: string): DaemonUnavailableError {
  return new DaemonUnavailableError(`bangerd is not answering on ${socketPath} (${why})`, {
    code: 'daemon.unavailable',
    hint: 'start it with: banger daemon start',
  });
}
