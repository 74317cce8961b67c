import { request, type IncomingHttpHeaders } from 'node:http';

/** Raw HTTP against a `banger ui` server: node:http, because fetch() will not send a forged Host header. */
export interface UiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface UiRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Connect here instead of 127.0.0.1 (the reachability tests). */
  host?: string;
  timeoutMs?: number;
}

export function uiRequest(port: number, r: UiRequest): Promise<UiResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: r.host ?? '127.0.0.1',
        port,
        method: r.method ?? 'GET',
        path: r.path,
        headers: { host: `127.0.0.1:${port}`, ...r.headers, ...(r.body !== undefined ? { 'content-length': String(Buffer.byteLength(r.body)) } : {}) },
        timeout: r.timeoutMs ?? 60_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request ${r.method ?? 'GET'} ${r.path} timed out`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Headers a same-origin dashboard request carries: cookie, and for POST/DELETE the Origin and the custom header. */
export function uiHeaders(port: number, token: string, method = 'GET'): Record<string, string> {
  const h: Record<string, string> = { cookie: `banger_ui=${token}` };
  if (method !== 'GET') Object.assign(h, { origin: `http://127.0.0.1:${port}`, 'x-banger-ui': '1', 'content-type': 'application/json' });
  return h;
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** An open event stream: every event so far, a wait for one that matches, and close(). */
export interface SseStream {
  status: number;
  events: SseEvent[];
  waitFor(pred: (e: SseEvent) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent>;
  close(): void;
}

export function openSse(port: number, path: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, accept: 'text/event-stream', ...headers } }, (res) => {
      const events: SseEvent[] = [];
      let buf = '';
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) as unknown });
        }
        for (const w of [...waiters]) w();
      });
      resolve({
        status: res.statusCode ?? 0,
        events,
        waitFor(pred, timeoutMs = 10_000, what = 'event') {
          return new Promise((ok, fail) => {
            const check = (): boolean => {
              const hit = events.find(pred);
              if (!hit) return false;
              waiters.delete(check);
              clearTimeout(timer);
              ok(hit);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.event))}`));
            }, timeoutMs);
            if (!check()) waiters.add(check);
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
