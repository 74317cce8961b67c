/**
 * Runs one `pullImage` for the registry pull test, inside the test's network
 * namespace (`ip netns exec NS node pull-child.mjs OPTIONS_JSON`); the test
 * bundles this file with esbuild first. It records every request the client
 * makes (URL path, Range, Authorization scheme, status) and prints one JSON
 * line: the pulled image or the error, with the requests and the last
 * progress report per layer.
 */
import { pullImage } from '../../../src/images/pull/index.js';
import type { LayerProgress } from '../../../src/images/pull/index.js';

interface ChildOptions {
  ref: string;
  cacheDir: string;
  platform?: string;
  /** Abort the pull once this many bytes of any layer have arrived. */
  abortAfterBytes?: number;
  authFiles?: string[];
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
  const image = await pullImage(opts.ref, {
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
