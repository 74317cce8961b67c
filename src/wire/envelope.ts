import { createJSONRPCErrorResponse, JSONRPCErrorCode, type JSONRPCResponse, type JSONRPCServer } from 'json-rpc-2.0';

/**
 * Screens a received line before json-rpc-2.0 sees it. The library trusts the
 * envelope more than a server on a socket can: it echoes any `id` back (an id
 * nested 100,000 arrays deep overflowed JSON.stringify and took bangerd and
 * banger-helper down), reads `.jsonrpc` of `null` (a rejected promise, fatal
 * in the helper), and answers a batch of one with a bare object. So every
 * line is parsed once here, each request's envelope is checked against
 * JSON-RPC 2.0, and only well-formed requests reach the server; everything
 * else gets a one-line error that says what to send instead.
 */

/** Most requests one batch line may carry; more is abuse, not a client. */
export const MAX_BATCH = 256;
/** Longest `id` string echoed back. */
export const MAX_ID_CHARS = 256;
/** Longest method name shown back in an error. */
const SHOWN_METHOD_CHARS = 64;

const SHAPE = 'send one JSON-RPC 2.0 request per line: {"jsonrpc":"2.0","id":1,"method":"vm.list","params":{}}';

/** A reply for `request` when its envelope is not a valid JSON-RPC 2.0 request, else null. */
export function envelopeProblem(request: unknown, hasMethod: (name: string) => boolean): JSONRPCResponse | null {
  const invalid = (what: string, id: number | string | null = null) =>
    createJSONRPCErrorResponse(id, JSONRPCErrorCode.InvalidRequest, `Invalid Request: ${what}; ${SHAPE}`);
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return invalid('a request must be a JSON object');
  const r = request as Record<string, unknown>;
  const hasId = Object.hasOwn(r, 'id');
  const idOk = !hasId || r.id === null || (typeof r.id === 'number' && Number.isFinite(r.id)) || (typeof r.id === 'string' && r.id.length <= MAX_ID_CHARS);
  if (!idOk) return invalid(`"id" must be a string of at most ${MAX_ID_CHARS} characters, a number or null`);
  const id = hasId ? (r.id as number | string | null) : null;
  if (r.jsonrpc !== '2.0') return invalid('"jsonrpc" must be "2.0"', id);
  if (typeof r.method !== 'string' || r.method === '') return invalid('"method" must be a non-empty string', id);
  if (Object.hasOwn(r, 'result') || Object.hasOwn(r, 'error')) return invalid('a request carries no "result" or "error"', id);
  if (Object.hasOwn(r, 'params') && (typeof r.params !== 'object' || r.params === null)) {
    return createJSONRPCErrorResponse(id, JSONRPCErrorCode.InvalidParams, `Invalid params for ${shownMethod(r.method)}: "params" must be an object; ${SHAPE}`);
  }
  if (!hasMethod(r.method)) {
    // Notifications get no reply, even for unknown methods (JSON-RPC 2.0 §4.1).
    return createJSONRPCErrorResponse(id, JSONRPCErrorCode.MethodNotFound, `Method not found: ${shownMethod(r.method)} does not exist here; check the method name, or restart bangerd if the CLI is newer (banger daemon stop)`);
  }
  return null;
}

/**
 * Parses one line and dispatches it: a single request, or a batch of at most
 * MAX_BATCH whose replies come back as an array (never a bare object). Never
 * rejects: a handler that throws anyway becomes an InternalError reply.
 */
export async function receiveLine<P>(server: JSONRPCServer<P>, line: string, params: P): Promise<JSONRPCResponse | JSONRPCResponse[] | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return createJSONRPCErrorResponse(null, JSONRPCErrorCode.ParseError, `Parse error: the line is not valid JSON; ${SHAPE}`);
  }
  const hasMethod = (name: string) => server.hasMethod(name);
  const one = async (request: unknown): Promise<JSONRPCResponse | null> => {
    const problem = envelopeProblem(request, hasMethod);
    const isNotification = typeof request === 'object' && request !== null && !Array.isArray(request) && !Object.hasOwn(request, 'id');
    if (problem) return isNotification && problem.error?.code === JSONRPCErrorCode.MethodNotFound ? null : problem;
    try {
      return (await server.receive(request as never, params)) as JSONRPCResponse | null;
    } catch {
      const id = (request as { id?: unknown }).id;
      return createJSONRPCErrorResponse(typeof id === 'string' || typeof id === 'number' ? id : null, JSONRPCErrorCode.InternalError, 'Internal error: the server failed on this request; see its log');
    }
  };
  if (!Array.isArray(parsed)) return one(parsed);
  if (parsed.length === 0) return createJSONRPCErrorResponse(null, JSONRPCErrorCode.InvalidRequest, `Invalid Request: an empty batch; ${SHAPE}`);
  if (parsed.length > MAX_BATCH) {
    return createJSONRPCErrorResponse(null, JSONRPCErrorCode.InvalidRequest, `Invalid Request: a batch of ${parsed.length} requests; send at most ${MAX_BATCH} per line`);
  }
  const replies = (await Promise.all(parsed.map(one))).filter((r): r is JSONRPCResponse => r !== null);
  return replies.length > 0 ? replies : null;
}

/**
 * JSON for one outgoing message, or an InternalError reply in its place when
 * the message cannot be serialised (cycles, depth): a reply that cannot be
 * written must not take the process down.
 */
export function serialiseReply(message: unknown): string {
  try {
    return JSON.stringify(message);
  } catch {
    const id = (message as { id?: unknown } | null)?.id;
    return JSON.stringify(
      createJSONRPCErrorResponse(typeof id === 'string' || typeof id === 'number' ? id : null, JSONRPCErrorCode.InternalError, 'Internal error: the reply could not be serialised; see the server log'),
    );
  }
}

function shownMethod(method: string): string {
  return JSON.stringify(method.length > SHOWN_METHOD_CHARS ? `${method.slice(0, SHOWN_METHOD_CHARS)}…` : method);
}
