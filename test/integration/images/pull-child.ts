/**
 * Runs one `pullImage` (or, with `resolveOnly`, one `resolveImage`) for the registry pull test, inside the test's network
 * namespace (`ip netns exec NS node pull-child.mjs OPTIONS_JSON`); the test
 * bundles this file with esbuild first. It records every request the client
 * makes (URL path, Range, Authorization scheme, status) and prints one JSON
 * line: the pulled (or resolved) image or the error, with the requests and the last
 * progress report per layer.
 */
import { pullImage, resolveImage } from '../../../src/images/pull/index.js';
import type { LayerProgress, ResolvedImage } from '../../../src/images/pull/index.js';

interface ChildOptions {
  ref: string;
  cacheDir: string;
  platform?: string;
  /** Abort the pull once this many bytes of any layer have arrived. */
  abortAfterBytes?: number;
  authFiles?: string[];
  /** Only resolve the reference (no blob fetched). */
  resolveOnly?: boolean;
  /** What an earlier resolveOnly run said: the manifest is then fetched by its digest. */
  resolved?: ResolvedImage;
}

interface Seen {
  path: string;
  range?: string;
  auth?: string;
  status: number;
}

const opts = JSON.parse(process.argv[2]!) as ChildOptions;
const requests: Seen[] = [];
const progress: Record<string, LayerProgress> = {};
let reports = 0;
const abort = new AbortController();

const recording: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  const headers = new Headers(init?.headers);
  const res = await fetch(input, init);
  requests.push({
    path: url.pathname,
    ...(headers.get('range') ? { range: headers.get('range')! } : {}),
    ...(headers.get('authorization') ? { auth: headers.get('authorization')!.split(' ')[0]! } : {}),
    status: res.status,
  });
  return res;
};

try {
  const resolveOnly = (): Promise<ResolvedImage> =>
    resolveImage(opts.ref, { fetch: recording, ...(opts.platform ? { platform: opts.platform } : {}), authFiles: opts.authFiles ?? [] });
  const image: ResolvedImage = opts.resolveOnly ? await resolveOnly() : await pullImage(opts.ref, {
    ...(opts.resolved ? { resolved: opts.resolved } : {}),
    cacheDir: opts.cacheDir,
    fetch: recording,
    signal: abort.signal,
    ...(opts.platform ? { platform: opts.platform } : {}),
    authFiles: opts.authFiles ?? [],
    onProgress: (p) => {
      reports++;
      progress[p.digest] = p;
      if (opts.abortAfterBytes !== undefined && p.layer >= 0 && p.done >= opts.abortAfterBytes && p.done < p.total) abort.abort();
    },
  });
  console.log(JSON.stringify({ ok: true, image, requests, progress, reports }));
} catch (err) {
  const e = err as { code?: string; message?: string; hint?: string; name?: string };
  console.log(JSON.stringify({ ok: false, error: { name: e.name, code: e.code, message: e.message, hint: e.hint }, requests, progress, reports }));
}
