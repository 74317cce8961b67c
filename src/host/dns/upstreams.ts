import { readFileSync, statSync } from 'node:fs';
import type { Upstream } from './forward.js';

/** `nameserver` addresses of a resolv.conf, in order (comments and other options ignored). */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)$/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

export interface SystemUpstreamsOptions {
  /** @default '/etc/resolv.conf' */
  path?: string;
  /** Addresses never forwarded to (bangerd's own listen addresses: a query must not loop back to us). */
  exclude?: readonly string[];
  /** File access; replaced in tests. */
  fs?: { mtimeMs(path: string): number | null; readText(path: string): string };
}

/**
 * The host's own resolvers, as glibc would use them: every `nameserver` of
 * resolv.conf (127.0.0.53, systemd-resolved's stub, works from bangerd), or
 * 127.0.0.1 when there is none. Re-read whenever the file's mtime changes, so
 * a laptop moving networks forwards to its new resolvers.
 */
export function systemUpstreams(opts: SystemUpstreamsOptions = {}): () => Upstream[] {
  const path = opts.path ?? '/etc/resolv.conf';
  const fs = opts.fs ?? realFs;
  const exclude = new Set(opts.exclude ?? []);
  let cached: { mtimeMs: number | null; list: Upstream[] } | null = null;
  return () => {
    const mtimeMs = fs.mtimeMs(path);
    if (cached?.mtimeMs !== mtimeMs) {
      let hosts: string[] = [];
      try {
        hosts = mtimeMs === null ? [] : parseResolvConf(fs.readText(path));
      } catch {
        // unreadable: as glibc, fall back to the local resolver
      }
      cached = { mtimeMs, list: (hosts.length ? hosts : ['127.0.0.1']).filter((h) => !exclude.has(h)).map((host) => ({ host, port: 53 })) };
    }
    return cached.list;
  };
}

/** A fixed list (config `default_dns`). */
export function fixedUpstreams(ips: readonly string[], exclude: readonly string[] = []): () => Upstream[] {
  const list = ips.filter((ip) => !exclude.includes(ip)).map((host) => ({ host, port: 53 }));
  return () => list;
}

const realFs = {
  mtimeMs(path: string): number | null {
    try {
      return statSync(path).mtimeMs;
    } catch {
      return null;
    }
  },
  readText: (path: string) => readFileSync(path, 'utf8'),
};
