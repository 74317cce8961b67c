import { basicHeader, parseChallenge, parseTokenResponse, tokenUrl, type Credentials } from './auth.js';
import { manifestNotFound, registryFailed, unauthorized } from './errors.js';
import { MANIFEST_ACCEPT } from './manifest.js';
import { isLocalRegistry, type ImageReference } from './reference.js';

/**
 * The registry API v2 over fetch (Node's global one unless a test passes
 * its own): manifests and blobs of one repository, with anonymous access
 * first and, on a 401, the challenge the registry names: a Bearer token from
 * its token server (with Basic credentials when the user has some) or Basic
 * credentials directly. One authorization is kept for the client's life.
 */

export type FetchFn = typeof fetch;

export interface RegistryClientOptions {
  fetch?: FetchFn;
  credentials?: Credentials;
  /** http for the local machine's registries (docker's default), https elsewhere unless forced. */
  scheme?: 'http' | 'https';
  signal?: AbortSignal;
}

export class RegistryClient {
  private readonly fetchFn: FetchFn;
  private readonly base: string;
  private authorization: string | undefined;

  constructor(
    readonly ref: ImageReference,
    private readonly opts: RegistryClientOptions = {},
  ) {
    this.fetchFn = opts.fetch ?? fetch;
    const scheme = opts.scheme ?? (isLocalRegistry(ref.apiHost) ? 'http' : 'https');
    this.base = `${scheme}://${ref.apiHost}/v2/${ref.repository}`;
  }

  /** GET a manifest by tag or digest; 404 is the typed not-found. */
  async manifest(lookup: string): Promise<{ body: Buffer; contentType: string | null }> {
    const res = await this.get(`/manifests/${lookup}`, { accept: MANIFEST_ACCEPT });
    if (res.status === 404) {
      await res.body?.cancel();
      throw manifestNotFound(this.ref.canonical);
    }
    if (!res.ok) throw await this.failure('GET manifest', res);
    return { body: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') };
  }

  /**
   * GET a blob, from byte `from` on when given (a Range request). The caller
   * reads the status: 206 continues at `from`, 200 starts over.
   */
  async blob(digest: string, from = 0): Promise<Response> {
    const res = await this.get(`/blobs/${digest}`, from > 0 ? { range: `bytes=${from}-` } : {});
    if (res.status === 404) {
      await res.body?.cancel();
      throw registryFailed(this.ref.apiHost, `GET blob ${digest}`, 'the registry has no such blob (404)');
    }
    if (res.status !== 200 && res.status !== 206) throw await this.failure(`GET blob ${digest}`, res);
    return res;
  }

  private async get(path: string, headers: Record<string, string>): Promise<Response> {
    const url = `${this.base}${path}`;
    let res = await this.send(url, headers);
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get('www-authenticate'));
    await res.body?.cancel();
    if (!challenge) throw unauthorized(this.ref.registry, this.ref.canonical, ' (no usable WWW-Authenticate challenge)');
    this.authorization = await this.authorize(challenge);
    res = await this.send(url, headers);
    if (res.status === 401) {
      await res.body?.cancel();
      throw unauthorized(this.ref.registry, this.ref.canonical, this.opts.credentials ? ' with the saved credentials' : '');
    }
    return res;
  }

  private async send(url: string, headers: Record<string, string>): Promise<Response> {
    const h: Record<string, string> = { ...headers };
    if (this.authorization) h.authorization = this.authorization;
    try {
      return await this.fetchFn(url, { headers: h, signal: this.opts.signal, redirect: 'follow' });
    } catch (err) {
      if (this.opts.signal?.aborted) throw err;
      throw registryFailed(this.ref.apiHost, `GET ${new URL(url).pathname}`, describeFetchError(err));
    }
  }

  private async authorize(ch: NonNullable<ReturnType<typeof parseChallenge>>): Promise<string> {
    const creds = this.opts.credentials;
    if (ch.scheme === 'basic') {
      if (!creds) throw unauthorized(this.ref.registry, this.ref.canonical, ' (it asks for a login)');
      return basicHeader(creds);
    }
    let url: URL;
    try {
      url = tokenUrl(ch, this.ref.repository);
    } catch {
      throw unauthorized(this.ref.registry, this.ref.canonical, ' (its Bearer challenge names no token server)');
    }
    let res: Response;
    try {
      res = await this.fetchFn(url, { headers: creds ? { authorization: basicHeader(creds) } : {}, signal: this.opts.signal });
    } catch (err) {
      if (this.opts.signal?.aborted) throw err;
      throw registryFailed(url.host, 'GET token', describeFetchError(err));
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw unauthorized(this.ref.registry, this.ref.canonical, creds ? ' (its token server refused the saved credentials)' : ' (its token server wants a login)');
    }
    if (!res.ok) throw await this.failure('GET token', res);
    const token = parseTokenResponse(await res.json().catch(() => undefined));
    if (!token) throw registryFailed(url.host, 'GET token', 'the answer holds no token');
    return `Bearer ${token}`;
  }

  private async failure(what: string, res: Response): Promise<Error> {
    const text = (await res.text().catch(() => '')).slice(0, 300);
    return registryFailed(this.ref.apiHost, what, `HTTP ${res.status}${registryErrorText(text)}`);
  }
}

/** The first `errors[].message` of a registry's JSON error body, as ": message". */
function registryErrorText(text: string): string {
  try {
    const j = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const e = j.errors?.[0];
    if (e) return `: ${[e.code, e.message].filter(Boolean).join(' ')}`;
  } catch {
    // not JSON
  }
  return '';
}

function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
