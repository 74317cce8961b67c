import type { Socket } from 'node:net';
import { createJSONRPCErrorResponse, JSONRPCErrorCode, type JSONRPCResponse } from 'json-rpc-2.0';
import { serialiseReply } from './envelope.js';
import { LineDecoder, LineTooLongError, MAX_LINE_BYTES } from './framing.js';

/** Handles one received line; resolves to the reply (or null for notifications). */
export type LineHandler = (line: string, conn: RpcConnection) => PromiseLike<JSONRPCResponse | JSONRPCResponse[] | null>;

export interface RpcConnectionOptions {
  maxLineBytes?: number;
  /** Called once when the connection is gone (peer closed, error, or `close()`). */
  onClose?: (conn: RpcConnection, reason: string) => void;
}

let nextConnectionId = 1;

/**
 * Server side of one client connection: decodes lines, hands each to the
 * handler, writes replies in NDJSON, and lets the daemon push notifications
 * (`notify`) for event subscriptions. A line past the size limit or a binary
 * payload that is not UTF-8 JSON closes only this connection.
 */
export class RpcConnection {
  readonly id = nextConnectionId++;
  private readonly decoder: LineDecoder;
  private closed = false;
  private closeReason = '';
  /** Free-form per-connection state (e.g. event subscriptions added by later services). */
  readonly data = new Map<string, unknown>();
  private readonly closeListeners = new Set<(reason: string) => void>();

  constructor(
    private readonly socket: Socket,
    private readonly handle: LineHandler,
    private readonly opts: RpcConnectionOptions = {},
  ) {
    this.decoder = new LineDecoder(opts.maxLineBytes ?? MAX_LINE_BYTES);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close('socket error'));
    socket.on('close', () => this.close('peer closed'));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Runs `fn` once when the connection is gone (at once if it already is), so
   * a handler can tie work to the client that asked for it (`vm run --rm`'s
   * VM is deleted when its CLI disappears). Returns a function that unhooks it.
   */
  onClosed(fn: (reason: string) => void): () => void {
    if (this.closed) {
      fn(this.closeReason);
      return () => undefined;
    }
    this.closeListeners.add(fn);
    return () => this.closeListeners.delete(fn);
  }

  /** Sends a JSON-RPC notification (no id, no reply expected). Returns false when closed. */
  notify(method: string, params?: unknown): boolean {
    return this.write({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
  }

  /** Ends the connection: flushes what was written, then destroys it. Idempotent. */
  close(reason = 'closed by server'): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.socket.end();
    this.socket.destroySoon();
    this.opts.onClose?.(this, reason);
    for (const fn of this.closeListeners) fn(reason);
    this.closeListeners.clear();
  }

  private write(message: unknown): boolean {
    if (this.closed || this.socket.destroyed) return false;
    // serialiseReply, not JSON.stringify: a reply that cannot be serialised becomes an error reply, not a crash.
    this.socket.write(`${serialiseReply(message)}\n`);
    return true;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (err) {
      if (err instanceof LineTooLongError) {
        this.write(createJSONRPCErrorResponse(null, JSONRPCErrorCode.InvalidRequest, `request ${err.message}; send one JSON-RPC message per line, smaller than that`));
        this.close('line too long');
        return;
      }
      throw err;
    }
    for (const line of lines) {
      // A line with NUL or other control bytes is binary garbage, not a typo: drop the peer.
      if (/[\u0000-\u0008\u000e-\u001f]/.test(line)) {
        this.close('binary garbage');
        return;
      }
      // Through .then so a handler that throws synchronously is answered like one that rejects.
      void Promise.resolve()
        .then(() => this.handle(line, this))
        .then(
          (reply) => {
            if (reply !== null) this.write(reply);
          },
          () => this.write(createJSONRPCErrorResponse(null, JSONRPCErrorCode.InternalError, 'Internal error: the request failed; see the server log')),
        );
    }
  }
}
