import { timingSafeEqual } from 'node:crypto';
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { JSONRPCErrorException, JSONRPCServer } from 'json-rpc-2.0';
import type { Logger } from 'pino';
import { RPC_APP_ERROR, toBangerError } from '../src/errors/index.js';
import { INSTANCE_ID_RE } from '../src/host/network/instance.js';
import { receiveLine, RpcSocketServer, type RpcConnection } from '../src/wire/index.js';
import type { OpExecutor } from './executor.js';
import { HELPER_OPS } from '../src/model/helper-ops.js';
import { refuse } from './validate/index.js';

/**
 * The helper's socket server.
 *
 * Threat model: the helper runs as root; the only legitimate caller is the
 * owner's bangerd. Other local users must not be able to make it do anything.
 *  1. The kernel is the gate: the socket is owned by the owner uid with mode
 *     0600 (bound under umask 0177, so it is never briefly wider), in a
 *     root-owned 0755 directory. connect(2) needs write permission on the
 *     socket inode, so any other non-root user gets EACCES before a byte is
 *     read. Root can always connect, and root is trusted anyway.
 *  2. Defence in depth against a misconfigured mode or directory: with a
 *     token file (readable by root and the owner only), every connection must
 *     first call `helper.hello {token}`; any other call before that is refused
 *     with caller.not_owner.
 * Node exposes no SO_PEERCRED, so the peer uid is not read per connection; the
 * caller uid logged for socket calls is the owner uid that layers 1 and 2
 * establish. (Reading it from /proc via sock_diag was judged more fragile than
 * these two checks: fd passing and pid reuse make it racy.)
 */

export interface HelperServerOptions {
  socketPath: string;
  executor: OpExecutor;
  /** The socket is chowned to this uid/gid with mode 0600. */
  ownerUid: number;
  ownerGid: number;
  /** When set, each connection must `helper.hello` with this token first. */
  token?: string;
  logger: Logger;
}

export interface HelperServer {
  readonly socketPath: string;
  /** Stops accepting, closes connections, removes the socket file. */
  close(): Promise<void>;
}

interface ConnState {
  conn: number;
  authed: boolean;
  /** The bangerd instance on this connection (helper.hello), whose tag its links carry. */
  instance?: string;
}

export async function startHelperServer(opts: HelperServerOptions): Promise<HelperServer> {
  const rpc = buildRpcServer(opts);
  await mkdir(dirname(opts.socketPath), { recursive: true, mode: 0o755 });
  await removeStaleSocket(opts.socketPath);

  // The same wire as bangerd's socket (src/wire): same line limit, same answers to garbage and overlong lines.
  const states = new WeakMap<RpcConnection, ConnState>();
  const server = new RpcSocketServer({
    path: opts.socketPath,
    owner: { uid: opts.ownerUid, gid: opts.ownerGid },
    handle: (line, conn) => {
      let state = states.get(conn);
      if (!state) states.set(conn, (state = { conn: conn.id, authed: opts.token === undefined }));
      return receiveLine(rpc, line, state);
    },
    onConnectionError: (conn, reason) => opts.logger.warn({ conn: conn.id, reason }, 'helper connection dropped'),
  });
  await server.listen();
  opts.logger.info({ socket: opts.socketPath, ownerUid: opts.ownerUid, token: opts.token !== undefined }, 'helper listening');

  return {
    socketPath: opts.socketPath,
    async close() {
      await server.close(0);
      await unlink(opts.socketPath).catch(() => undefined);
    },
  };
}

function buildRpcServer(opts: HelperServerOptions): JSONRPCServer<ConnState> {
  // Errors are logged by the executor with their context; the library's console output would duplicate them.
  const rpc = new JSONRPCServer<ConnState>({ errorListener: () => undefined });
  const toRpcError = (err: unknown) => {
    const e = toBangerError(err);
    return new JSONRPCErrorException(e.message, RPC_APP_ERROR, { kind: e.kind, code: e.code, ...(e.hint ? { hint: e.hint } : {}) });
  };

  rpc.addMethod('helper.hello', (params, state) => {
    const { token, instance } = (params ?? {}) as { token?: unknown; instance?: unknown };
    if (instance !== undefined && (typeof instance !== 'string' || !INSTANCE_ID_RE.test(instance))) {
      throw toRpcError(refuse('arg.schema', 'helper.hello: instance must be 12 hex digits', 'let bangerd compute it (src/host/network/instance.ts)'));
    }
    if (opts.token !== undefined) {
      const ok = typeof token === 'string' && token.length === opts.token.length && timingSafeEqual(Buffer.from(token), Buffer.from(opts.token));
      if (!ok) {
        opts.logger.warn({ conn: state.conn, op: 'helper.hello', outcome: 'refused', code: 'caller.not_owner' }, 'helper hello refused');
        throw toRpcError(refuse('caller.not_owner', 'the helper token does not match', "run bangerd as the helper's owner user, which can read the token file"));
      }
    }
    state.authed = true;
    if (typeof instance === 'string') state.instance = instance;
    return { ok: true };
  });

  for (const op of Object.keys(HELPER_OPS)) {
    rpc.addMethod(op, async (params, state) => {
      try {
        if (!state.authed) throw refuse('caller.not_owner', `call ${op} refused: this connection has not proved it is the owner`, 'call helper.hello with the token first');
        return await opts.executor.execute(op, params, { uid: opts.ownerUid, conn: state.conn, ...(state.instance ? { instance: state.instance } : {}) });
      } catch (err) {
        throw toRpcError(err);
      }
    });
  }
  return rpc;
}

/** A socket left by a crashed helper is removed; anything else at the path is an error. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
