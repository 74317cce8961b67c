import { request } from 'node:http';
import { VmmError } from '../../errors/index.js';

/** Firecracker's HTTP/1.1 API over its Unix socket: JSON bodies, 204 on success, {"fault_message"} on error. */

export interface FcResponse {
  status: number;
  body: unknown;
}

export function fcRequest(
  socketPath: string,
  method: 'GET' | 'PUT' | 'PATCH',
  path: string,
  body?: unknown,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<FcResponse> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: {
          Host: 'localhost',
          Accept: 'application/json',
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
        },
        timeout: opts.timeoutMs ?? 5000,
        signal: opts.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${opts.timeoutMs ?? 5000} ms`)));
    req.on('error', (e) => reject(new VmmError(`firecracker API ${method} ${path}: ${e.message}`, { cause: e })));
    if (payload) req.end(payload);
    else req.end();
  });
}

/** Sends a request and rejects with a VmmError carrying Firecracker's fault_message on a non-2xx answer. */
export async function fcCall(socketPath: string, method: 'GET' | 'PUT' | 'PATCH', path: string, body?: unknown, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<unknown> {
  const res = await fcRequest(socketPath, method, path, body, opts);
  if (res.status < 200 || res.status >= 300) {
    const fault = (res.body as { fault_message?: string } | undefined)?.fault_message ?? `HTTP ${res.status}`;
    throw new VmmError(`firecracker rejected ${method} ${path}: ${fault}`, { hint: 'see the VM log file for details', code: 'vmm.api_rejected' });
  }
  return res.body;
}
