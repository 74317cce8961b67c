import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BangerError, describeZodError, InvalidInputError, NotFoundError, UsageError, toBangerError, type ErrorKind } from '../../errors/index.js';
import { SNAPSHOT_NAME_PATTERN, VM_NAME_PATTERN, type VMRecord } from '../../model/index.js';
import { ImageBuildParams, ImageImportParams, VmCreateParams, VmForkParams, VmSnapshotCreateParams, type MethodName, type MethodParams, type MethodResult } from '../../rpc/methods.js';
import type { PositionedGraph, VizActor } from '../../debug/viz/index.js';
import type { ApiError, UiEvent, VmDetail } from '../contract.js';
import type { VmTable } from './vm-table.js';

/** The daemon as the routes use it: one typed call (DaemonLink.call in production, a fake in tests). */
export type DaemonCall = <M extends MethodName>(method: M, params: MethodParams<M>, opts?: { timeoutMs?: number }) => Promise<MethodResult<M>>;

export interface ApiContext {
  call: DaemonCall;
  table: Pick<VmTable, 'upsert' | 'remove'>;
  emit(e: UiEvent): void;
  machines(): Promise<PositionedGraph[]>;
  actors(): Promise<VizActor[]>;
}

/** Request bodies larger than this are refused before parsing (every contract body is a few fields). */
export const MAX_BODY_BYTES = 64 * 1024;
/** Reads answer quickly or not at all; lifecycle calls wait as long as the CLI does (no limit). */
const READ_TIMEOUT_MS = 30_000;
/** `?tailBytes=` cap: the page shows a tail, not a whole log. */
const MAX_TAIL_BYTES = 4 * 1024 * 1024;
/** As src/images/service.ts checks image names (the daemon checks again). */
const IMAGE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;

const VM_ACTIONS = ['start', 'stop', 'restart', 'pause', 'resume'] as const;
type VmAction = (typeof VM_ACTIONS)[number];

export type RouteMatch =
  | { route: 'vms.list' | 'vms.create' | 'images.list' | 'images.build' | 'images.import' | 'machines' | 'actors' | 'events' }
  | { route: 'vms.show' | 'vms.delete' | 'vms.snapshot' | 'vms.fork' | 'vms.ports' | 'vms.log' | 'vms.log.stream'; name: string }
  | { route: 'vms.action'; name: string; action: VmAction }
  | { route: 'snapshots.delete'; snapshot: string }
  | { route: 'images.delete'; name: string };

/** Decodes one URL segment and checks it against a banger name pattern; a bad name never reaches the daemon. */
function nameFrom(segment: string, pattern: RegExp, what: string): string {
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    throw new InvalidInputError(`the ${what} in the URL is not valid percent-encoding`, { code: 'ui.bad_name' });
  }
  if (!pattern.test(name)) {
    throw new InvalidInputError(`${JSON.stringify(name.slice(0, 80))} is not a valid ${what}`, { code: 'ui.bad_name', hint: `${what}s use letters, digits and hyphens` });
  }
  return name;
}

/**
 * Method + path → the contract's route, or null (404). Names are decoded and
 * validated here. @throws InvalidInputError for a malformed name.
 */
export function matchRoute(method: string, pathname: string): RouteMatch | null {
  const seg = pathname.split('/').slice(1);
  if (seg[0] !== 'api') return null;
  const [, area, rawName, sub, subsub] = seg;
  const n = seg.length;
  const vm = (): string => nameFrom(rawName!, VM_NAME_PATTERN, 'VM name');
  if (area === 'vms') {
    if (n === 2) return method === 'GET' ? { route: 'vms.list' } : method === 'POST' ? { route: 'vms.create' } : null;
    if (n === 3) return method === 'GET' ? { route: 'vms.show', name: vm() } : method === 'DELETE' ? { route: 'vms.delete', name: vm() } : null;
    if (n === 4 && method === 'POST') {
      if ((VM_ACTIONS as readonly string[]).includes(sub!)) return { route: 'vms.action', name: vm(), action: sub as VmAction };
      if (sub === 'snapshot') return { route: 'vms.snapshot', name: vm() };
      if (sub === 'fork') return { route: 'vms.fork', name: vm() };
      return null;
    }
    if (n === 4 && method === 'GET') {
      if (sub === 'ports') return { route: 'vms.ports', name: vm() };
      if (sub === 'log') return { route: 'vms.log', name: vm() };
      return null;
    }
    if (n === 5 && method === 'GET' && sub === 'log' && subsub === 'stream') return { route: 'vms.log.stream', name: vm() };
    return null;
  }
  if (area === 'snapshots' && n === 3 && method === 'DELETE') return { route: 'snapshots.delete', snapshot: nameFrom(rawName!, SNAPSHOT_NAME_PATTERN, 'snapshot name') };
  if (area === 'images') {
    if (n === 2) return method === 'GET' ? { route: 'images.list' } : null;
    if (n === 3 && method === 'POST' && rawName === 'build') return { route: 'images.build' };
    if (n === 3 && method === 'POST' && rawName === 'import') return { route: 'images.import' };
    if (n === 3 && method === 'DELETE') return { route: 'images.delete', name: nameFrom(rawName!, IMAGE_NAME_PATTERN, 'image name') };
    return null;
  }
  if (n === 2 && method === 'GET') {
    if (area === 'machines') return { route: 'machines' };
    if (area === 'actors') return { route: 'actors' };
    if (area === 'events') return { route: 'events' };
  }
  return null;
}

/** The daemon's error kind → HTTP status. */
export function statusForKind(kind: ErrorKind): number {
  switch (kind) {
    case 'not_found':
      return 404;
    case 'conflict':
    case 'busy':
      return 409;
    case 'invalid':
    case 'usage':
      return 400;
    case 'daemon_unavailable':
      return 503;
    default:
      return 500;
  }
}

/** Any thrown value → status and the contract's ApiError body. */
export function errorResponse(err: unknown): { status: number; body: ApiError } {
  const e = toBangerError(err);
  const status = e instanceof BodyTooLargeError ? 413 : statusForKind(e.kind);
  return { status, body: { error: { message: e.message, code: e.code, kind: e.kind, ...(e.hint ? { hint: e.hint } : {}) } } };
}

class BodyTooLargeError extends InvalidInputError {}

/** The contract's bodies, each the RPC's own schema narrowed to what the dashboard may send. */
export const BODY_SCHEMAS = {
  createVm: VmCreateParams.pick({ name: true, image: true, vcpu: true, memoryMiB: true, diskSize: true, nat: true, noStart: true }).strict(),
  snapshot: VmSnapshotCreateParams.pick({ snapshot: true }).strict(),
  fork: VmForkParams.omit({ source: true }).strict(),
  buildImage: ImageBuildParams.extend({ profile: z.enum(['debian', 'dev', 'minimal']) }).strict(),
  importImage: ImageImportParams.omit({ kernelFrom: true }).strict(),
};

/** Validates a parsed body. @throws InvalidInputError naming the first bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new InvalidInputError(`invalid request body: ${describeZodError(r.error, body, 1)}`, { code: 'ui.bad_body' });
}

/** Reads a JSON body of at most `limit` bytes (empty → `{}`). @throws InvalidInputError */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLargeError(`request body is over ${limit} bytes`, { code: 'ui.body_too_large' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(`request body is over ${limit} bytes`, { code: 'ui.body_too_large' });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidInputError('request body is not JSON', { code: 'ui.bad_body' });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function tailBytesOf(search: URLSearchParams): number | undefined {
  const raw = search.get('tailBytes');
  if (raw === null) return undefined;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > MAX_TAIL_BYTES) {
    throw new UsageError(`tailBytes must be a whole number up to ${MAX_TAIL_BYTES}`, { code: 'ui.bad_query' });
  }
  return Number(raw);
}

async function emitImages(ctx: ApiContext): Promise<void> {
  try {
    ctx.emit({ event: 'images', data: { images: await ctx.call('image.list', {}, { timeoutMs: READ_TIMEOUT_MS }) } });
  } catch {
    // The action itself succeeded; tabs refresh their images on the next event or reload.
  }
}

/**
 * Runs one JSON route (every route but `events` and `vms.log.stream`, which
 * stream and are the server's) and returns the response body. Bodies are
 * validated before the daemon is called.
 */
export async function runRoute(m: RouteMatch, req: IncomingMessage, url: URL, ctx: ApiContext): Promise<unknown> {
  const { call } = ctx;
  const read = { timeoutMs: READ_TIMEOUT_MS };
  const upsert = (vm: VMRecord): VMRecord => {
    ctx.table.upsert(vm);
    return vm;
  };
  switch (m.route) {
    case 'vms.list':
      return call('vm.list', {}, read);
    case 'vms.show': {
      const vm = await call('vm.show', { name: m.name }, read);
      const [image, snapshots] = await Promise.all([
        call('image.show', { name: vm.imageId }, read).catch((err: unknown) => {
          // A VM may outlive a deleted image; the page shows the VM without it.
          if (err instanceof NotFoundError) return undefined;
          throw err;
        }),
        call('vm.snapshot.list', { name: vm.name }, read),
      ]);
      const detail: VmDetail = { vm, snapshots };
      if (image) detail.image = image;
      return detail;
    }
    case 'vms.create':
      return upsert(await call('vm.create', parseBody(BODY_SCHEMAS.createVm, await readJsonBody(req))));
    case 'vms.action':
      return upsert(await call(`vm.${m.action}`, { name: m.name }));
    case 'vms.snapshot':
      return call('vm.snapshot.create', { name: m.name, ...parseBody(BODY_SCHEMAS.snapshot, await readJsonBody(req)) });
    case 'vms.fork':
      return upsert(await call('vm.fork', { source: m.name, ...parseBody(BODY_SCHEMAS.fork, await readJsonBody(req)) }));
    case 'vms.delete': {
      const r = await call('vm.delete', { name: m.name });
      ctx.table.remove(m.name);
      return r;
    }
    case 'vms.ports':
      return (await call('vm.ports', { name: m.name }, read)).rows;
    case 'vms.log': {
      const tailBytes = tailBytesOf(url.searchParams);
      const r = await call('vm.logs', { name: m.name, ...(tailBytes !== undefined ? { tailBytes } : {}) }, read);
      // The path stays on the server: the page needs the text only.
      return { text: r.text };
    }
    case 'snapshots.delete':
      return call('vm.snapshot.delete', { snapshot: m.snapshot });
    case 'images.list':
      return call('image.list', {}, read);
    case 'images.build': {
      const image = await call('image.build', parseBody(BODY_SCHEMAS.buildImage, await readJsonBody(req)));
      await emitImages(ctx);
      return image;
    }
    case 'images.import': {
      // `source` is a host path: only the daemon opens it (as the user, with its own checks); this process never does.
      const image = await call('image.import', parseBody(BODY_SCHEMAS.importImage, await readJsonBody(req)));
      await emitImages(ctx);
      return image;
    }
    case 'images.delete': {
      const r = await call('image.delete', { name: m.name });
      await emitImages(ctx);
      return r;
    }
    case 'machines':
      return ctx.machines();
    case 'actors':
      return ctx.actors();
    case 'events':
    case 'vms.log.stream':
      throw new BangerError(`route ${m.route} streams; the server handles it`, { code: 'ui.internal' });
  }
}
