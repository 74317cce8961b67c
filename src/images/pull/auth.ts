import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Registry credentials and challenges. Parsing is pure; only
 * `readCredentials` touches the disk, and it takes the paths (or the
 * environment they come from) so tests point it at their own files.
 */

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: 'bearer' | 'basic';
  realm?: string;
  service?: string;
  scope?: string;
}

/**
 * Parses a WWW-Authenticate header: `Bearer realm="…",service="…",scope="…"`
 * or `Basic realm="…"`. Quoted values may hold commas and escaped quotes.
 * Other schemes give undefined.
 */
export function parseChallenge(header: string | null | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const re = /\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/gy;
  const rest = m[2]!;
  re.lastIndex = 0;
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest))) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return {
    scheme,
    ...(params.realm !== undefined ? { realm: params.realm } : {}),
    ...(params.service !== undefined ? { service: params.service } : {}),
    ...(params.scope !== undefined ? { scope: params.scope } : {}),
  };
}

/** The token URL for a Bearer challenge: realm?service=…&scope=… (the pull scope when the registry named none). */
export function tokenUrl(ch: Challenge, repository: string): URL {
  if (!ch.realm) throw new Error('the Bearer challenge names no realm');
  const url = new URL(ch.realm);
  if (ch.service) url.searchParams.set('service', ch.service);
  url.searchParams.set('scope', ch.scope ?? `repository:${repository}:pull`);
  return url;
}

/** The token in a token server's answer: `token`, or OAuth's `access_token`. */
export function parseTokenResponse(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { token?: unknown; access_token?: unknown };
  if (typeof b.token === 'string' && b.token !== '') return b.token;
  if (typeof b.access_token === 'string' && b.access_token !== '') return b.access_token;
  return undefined;
}

/** Keys an auth file may use for a registry: docker's Hub key is the old index URL, podman's is docker.io. */
function hostOfKey(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, '');
  k = k.split('/')[0]!;
  return k === 'index.docker.io' || k === 'registry-1.docker.io' ? 'docker.io' : k;
}

/**
 * Looks up `registry` in one auth file's JSON (docker's config.json or
 * containers' auth.json, same `auths` shape): `auths[KEY].auth` is base64
 * of user:password. A key with a path (podman's host/namespace) counts for
 * its host. Entries without an `auth` field (credential helpers) are skipped.
 */
export function credentialsFromAuthFile(json: unknown, registry: string): Credentials | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const auths = (json as { auths?: unknown }).auths;
  if (typeof auths !== 'object' || auths === null) return undefined;
  const want = hostOfKey(registry);
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (hostOfKey(key) !== want) continue;
    const auth = typeof entry === 'object' && entry !== null ? (entry as { auth?: unknown }).auth : undefined;
    if (typeof auth !== 'string' || auth === '') continue;
    const text = Buffer.from(auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) continue;
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return undefined;
}

/** The auth files searched, first match wins: containers' (runtime dir, then config dir), then docker's. */
export function authFilePaths(env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  const paths: string[] = [];
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  paths.push(join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'));
  paths.push(join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json'));
  return paths;
}

/** Reads the auth files in order; unreadable or malformed files are skipped. */
export async function readCredentials(registry: string, paths: string[] = authFilePaths()): Promise<Credentials | undefined> {
  for (const path of paths) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const found = credentialsFromAuthFile(json, registry);
    if (found) return found;
  }
  return undefined;
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}
