import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UI_COOKIE, UI_CSRF_HEADER } from '../contract.js';

/**
 * The dashboard's request gate, as pure functions: every request passes
 * `checkRequest` before anything else runs (no daemon call, no file read).
 * The rules are the contract's (src/ui/contract.ts): a token or its cookie,
 * a Host equal to the bound address (DNS rebinding), and for state-changing
 * methods an Origin equal to ours plus a custom header a cross-origin page
 * cannot send without a CORS preflight we never grant.
 */

/** 32 random bytes, base64url: the secret printed in the URL, alive as long as the process. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Constant-time comparison. Both sides are hashed first so that neither the
 * length nor a common prefix of the secret leaks through timing.
 */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `a=1; b=2` → Map. Malformed pairs are skipped; the first occurrence of a name wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** `127.0.0.1:8080`, or `[::1]:8080` for IPv6: what Host must be, and what Origin carries after `http://`. */
export function authorityOf(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The Set-Cookie value that carries the token after the first visit. No Max-Age: it dies with the browser session. */
export function tokenCookie(token: string): string {
  return `${UI_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Headers on every response: no sniffing, no framing, no referrer, and a CSP that allows only our own files. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

export interface GateRequest {
  method?: string | undefined;
  /** The raw request target, e.g. `/api/vms?x=1`. */
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface GateConfig {
  token: string;
  /** `HOST:PORT` the server listens on (see authorityOf). */
  authority: string;
}

export type GateDecision =
  | { kind: 'allow' }
  /** A valid `?token=` on a page load: set the cookie and drop the token from the address bar. */
  | { kind: 'redirect'; location: string; setCookie: string }
  | { kind: 'deny'; reason: string };

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function header(h: GateRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Decides one request. Order matters: Host first (a rebound DNS name never
 * gets as far as the token check), then the secret, then the cross-site rules
 * for methods that change something.
 */
export function checkRequest(req: GateRequest, cfg: GateConfig): GateDecision {
  const host = header(req.headers, 'host');
  if (host !== cfg.authority) return { kind: 'deny', reason: 'wrong Host header' };

  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://${cfg.authority}`);
  } catch {
    return { kind: 'deny', reason: 'bad request target' };
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const queryTokens = url.searchParams.getAll('token');
  const cookie = parseCookies(header(req.headers, 'cookie')).get(UI_COOKIE);
  if (queryTokens.length > 0) {
    // A wrong token is refused even when the cookie is right: the URL says something we cannot trust.
    if (queryTokens.length !== 1 || !tokensEqual(queryTokens[0]!, cfg.token)) return { kind: 'deny', reason: 'wrong token' };
  } else if (cookie === undefined || !tokensEqual(cookie, cfg.token)) {
    return { kind: 'deny', reason: cookie === undefined ? 'no token' : 'wrong token' };
  }

  if (STATE_CHANGING.has(method)) {
    if (header(req.headers, 'origin') !== `http://${cfg.authority}`) return { kind: 'deny', reason: 'cross-origin request' };
    if (header(req.headers, UI_CSRF_HEADER) !== '1') return { kind: 'deny', reason: `missing ${UI_CSRF_HEADER} header` };
  } else if (method !== 'GET' && method !== 'HEAD') {
    // OPTIONS (a CORS preflight) and anything else: never granted.
    return { kind: 'deny', reason: `method ${method} not allowed` };
  }

  if (queryTokens.length > 0 && method === 'GET' && !url.pathname.startsWith('/api/')) {
    url.searchParams.delete('token');
    return { kind: 'redirect', location: `${url.pathname}${url.search}`, setCookie: tokenCookie(cfg.token) };
  }
  return { kind: 'allow' };
}

/**
 * `--host` accepts loopback only (127.0.0.0/8, ::1): the dashboard drives
 * VMs with the user's rights and has no remote-access story by design.
 * Returns null when acceptable, else the reason.
 */
export function loopbackProblem(host: string): string | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return `"${host}" is not an IPv4 address`;
    return octets[0] === 127 ? null : `${host} is not a loopback address`;
  }
  if (host === '::1') return null;
  return `"${host}" is not a loopback IP address (127.0.0.0/8 or ::1); host names are not accepted`;
}
