/** fetch for /api: JSON both ways, the CSRF header on writes, and errors as the daemon phrased them. */
import { UI_CSRF_HEADER, type ApiError } from '../contract.js';

export class ApiFailure extends Error {
  readonly hint: string | undefined;
  readonly code: string | undefined;
  readonly status: number;
  constructor(message: string, status: number, hint?: string, code?: string) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.hint = hint;
    this.code = code;
  }
}

/** "message — hint", the text the app shows for any failure. */
export function errorText(e: unknown): string {
  if (e instanceof ApiFailure) return e.hint ? `${e.message} — ${e.hint}` : e.message;
  return e instanceof Error ? e.message : String(e);
}

async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers[UI_CSRF_HEADER] = '1';
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (e) {
    throw new ApiFailure(`cannot reach banger ui: ${e instanceof Error ? e.message : String(e)}`, 0, 'is `banger ui` still running?', 'ui.unreachable');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as Partial<ApiError> | undefined)?.error;
    if (err?.message) throw new ApiFailure(err.message, res.status, err.hint, err.code);
    throw new ApiFailure(`${method} ${path} failed: HTTP ${res.status}${text && !json ? ` ${text.slice(0, 200)}` : ''}`, res.status);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string): Promise<T> => request<T>('GET', path),
  post: <T>(path: string, body?: unknown): Promise<T> => request<T>('POST', path, body),
  del: <T>(path: string): Promise<T> => request<T>('DELETE', path),
};

/** `/api/vms/NAME` style paths with each name URL-encoded. */
export const vmPath = (name: string, tail = ''): string => `/api/vms/${encodeURIComponent(name)}${tail}`;
