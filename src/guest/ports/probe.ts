import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type HttpKind = 'https' | 'http' | null;

/**
 * Tells whether a TCP port speaks HTTPS or HTTP by sending one HEAD request.
 * HTTPS is tried first: a TLS server usually answers a plain request with an
 * HTTP error (so "http" would be a false positive), while a plain HTTP server
 * fails the TLS handshake cleanly. Certificates are not checked: this only
 * labels the port, it sends no data.
 */
export async function probeHttp(host: string, port: number, timeoutMs = 1500): Promise<HttpKind> {
  if (await tryOne('https', host, port, timeoutMs)) return 'https';
  if (await tryOne('http', host, port, timeoutMs)) return 'http';
  return null;
}

function tryOne(kind: 'http' | 'https', host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = (kind === 'https' ? httpsRequest : httpRequest)(
      { host, port, method: 'HEAD', path: '/', timeout: timeoutMs, rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume();
        // Any status line counts: a 404 is still an HTTP server.
        resolve(typeof res.statusCode === 'number');
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Probes every exposed TCP row (in parallel, bounded) and relabels http/https
 * ones; their endpoint becomes a URL that opens from the host
 * (`http://dev.vm:8080/`, NAME.vm resolving through the host's DNS).
 */
export async function labelHttpRows<T extends { proto: string; port: number; loopbackOnly: boolean; endpoint?: string }>(
  rows: T[],
  host: string,
  probe: (host: string, port: number) => Promise<HttpKind> = probeHttp,
  concurrency = 8,
): Promise<T[]> {
  const out = rows.map((r) => ({ ...r }));
  const targets = out.filter((r) => r.proto === 'tcp' && !r.loopbackOnly);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, targets.length) }, async () => {
    while (next < targets.length) {
      const row = targets[next++]!;
      const kind = await probe(host, row.port);
      if (kind) {
        row.proto = kind;
        if (row.endpoint !== undefined) row.endpoint = `${kind}://${row.endpoint}/`;
      }
    }
  });
  await Promise.all(workers);
  return out;
}
