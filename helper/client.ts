import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from 'json-rpc-2.0';
import { BangerError, DaemonUnavailableError, HelperRefusedError, fromRpcError } from '../src/errors/index.js';
import { encodeLine, readMessages } from '../src/wire/index.js';
import type { HelperOpName, HelperOpParams, HelperOpResult, PrivilegedOps } from '../src/model/helper-ops.js';

export interface HelperClientOptions {
  /** Token for helper.hello; read from `tokenFile` when not given. */
  token?: string;
  tokenFile?: string;
  /** This bangerd's instance id, sent with helper.hello: the helper tags the links it makes for us with it. */
  instance?: string;
  /** Per-call timeout. @default 60000 (losetup/dmsetup can be slow) */
  timeoutMs?: number;
}

export interface HelperClient extends PrivilegedOps {
  close(): void;
}

/**
 * PrivilegedOps over the helper socket (NDJSON JSON-RPC). Connects lazily,
 * says hello with the token when there is one, reconnects after the helper
 * restarts. Errors come back typed: HelperRefusedError for refusals, HostError
 * for failed commands; a socket the caller may not open becomes
 * HelperRefusedError `caller.not_owner`.
 */
export function createHelperClient(socketPath: string, opts: HelperClientOptions = {}): HelperClient {
  let conn: Promise<{ socket: Socket; client: JSONRPCClient }> | null = null;
  const timeoutMs = opts.timeoutMs ?? 60_000;

  const token = (): string | undefined => {
    if (opts.token !== undefined) return opts.token;
    if (opts.tokenFile === undefined) return undefined;
    try {
      return readFileSync(opts.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new HelperRefusedError(`cannot read the helper token ${opts.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
        code: 'caller.not_owner',
        hint: 'run as the user banger system install was run for',
      });
    }
  };

  const open = () =>
    new Promise<{ socket: Socket; client: JSONRPCClient }>((resolve, reject) => {
      const socket = connect(socketPath);
      const client = new JSONRPCClient((payload) => {
        if (!socket.destroyed) socket.write(encodeLine(payload));
      });
      socket.once('connect', () => resolve({ socket, client }));
      socket.once('error', (err: NodeJS.ErrnoException) => {
        conn = null;
        client.rejectAllPendingRequests(`helper connection failed: ${err.message}`);
        reject(connectError(socketPath, err));
      });
      socket.once('close', () => {
        conn = null;
        client.rejectAllPendingRequests('helper connection closed');
      });
      readMessages(socket, (msg) => client.receive(msg as JSONRPCResponse));
    });

  const connection = () => {
    if (!conn) {
      const t = token();
      conn = open().then(async (c) => {
        if (t !== undefined || opts.instance !== undefined) {
          // A refused hello must not leave a half-open connection keeping the process alive.
          await request(c.client, 'helper.hello', { ...(t !== undefined ? { token: t } : {}), ...(opts.instance ? { instance: opts.instance } : {}) }).catch((err: unknown) => {
            c.socket.destroy();
            throw err;
          });
        }
        return c;
      });
      conn.catch(() => {
        conn = null;
      });
    }
    return conn;
  };

  const request = async (client: JSONRPCClient, method: string, params: object): Promise<unknown> => {
    try {
      return await client.timeout(timeoutMs).request(method, params as Record<string, unknown>);
    } catch (err) {
      if (err instanceof JSONRPCErrorException) throw fromRpcError({ code: err.code, message: err.message, data: err.data });
      if (err instanceof BangerError) throw err;
      throw new DaemonUnavailableError(`banger-helper did not answer ${method}: ${(err as Error).message}`, { code: 'helper.unavailable', hint: 'check the helper: banger system status' });
    }
  };

  return {
    async call<O extends HelperOpName>(op: O, params: HelperOpParams<O>): Promise<HelperOpResult<O>> {
      const c = await connection();
      return (await request(c.client, op, params)) as HelperOpResult<O>;
    },
    close() {
      void conn?.then((c) => c.socket.destroy()).catch(() => undefined);
      conn = null;
    },
  };
}

function connectError(socketPath: string, err: NodeJS.ErrnoException): BangerError {
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new HelperRefusedError(`not allowed to use the banger helper at ${socketPath}`, {
      code: 'caller.not_owner',
      hint: 'only the user banger system install was run for may use it',
    });
  }
  return new DaemonUnavailableError(`banger-helper is not reachable at ${socketPath} (${err.code ?? err.message})`, {
    code: 'helper.unavailable',
    hint: 'install and start it: sudo banger system install (or sudo systemctl start banger-helper)',
  });
}
