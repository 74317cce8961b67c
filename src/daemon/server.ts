import { JSONRPCErrorCode, JSONRPCErrorException, JSONRPCServer } from 'json-rpc-2.0';
import { describeZodError, RPC_APP_ERROR, toBangerError, type RpcErrorData } from '../errors/index.js';
import { receiveLine, type LineHandler } from '../wire/index.js';
import type { MethodName } from '../rpc/methods.js';
import type { DaemonContext } from './context.js';
import type { CallInfo, MethodEntry, MethodTable } from './methods/index.js';

/**
 * Builds the JSON-RPC dispatcher from the method tables. Each call: params are
 * validated with the method's zod schema (failure: -32602 with the issues
 * in plain words, src/errors/zod-issues.ts), then the handler runs; a thrown BangerError becomes
 * `{code: -32000, message, data: {kind, code, hint}}`, anything else an
 * InternalError of the same shape (logged with its stack).
 */
export function createDispatcher(ctx: DaemonContext, tables: readonly MethodTable[]): JSONRPCServer<CallInfo> {
  // The package logs every thrown error to the console; we log our own, once, to the file.
  const server = new JSONRPCServer<CallInfo>({ errorListener: () => undefined });
  for (const table of tables) {
    for (const [name, entry] of Object.entries(table) as [MethodName, MethodEntry<MethodName> | undefined][]) {
      if (!entry) continue;
      if (server.hasMethod(name)) throw new Error(`method ${name} is registered twice`);
      server.addMethod(name, async (rawParams: unknown, call: CallInfo) => {
        const parsed = entry.params.safeParse(rawParams ?? {});
        if (!parsed.success) {
          throw new JSONRPCErrorException(`invalid params for ${name}: ${describeZodError(parsed.error, rawParams ?? {})}`, JSONRPCErrorCode.InvalidParams);
        }
        const started = ctx.clock();
        try {
          // The table maps each name to its own entry type; the union here is sound per name.
          const result = await entry.handler(parsed.data as never, ctx, call);
          ctx.logger.debug({ method: name, ms: ctx.clock() - started, conn: call.conn.id }, 'rpc ok');
          return result;
        } catch (err) {
          const be = toBangerError(err);
          if (be.kind === 'internal') ctx.logger.error({ method: name, err }, 'rpc handler failed');
          else ctx.logger.info({ method: name, kind: be.kind, code: be.code, error: be.message }, 'rpc error');
          const data: RpcErrorData = { kind: be.kind, code: be.code, ...(be.hint ? { hint: be.hint } : {}) };
          throw new JSONRPCErrorException(be.message, RPC_APP_ERROR, data);
        }
      });
    }
  }
  return server;
}

/** Adapts the dispatcher to the socket server's per-line handler; receiveLine screens the envelope first. */
export function lineHandler(server: JSONRPCServer<CallInfo>): LineHandler {
  return (line, conn) => receiveLine(server, line, { conn });
}
