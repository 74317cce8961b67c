import { open, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, sep } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { InvalidInputError } from '../../errors/index.js';
import type { DaemonCall } from './api.js';
import { SSE_HEADERS, sseFrame } from './events.js';

/** How much of the log the first event carries. */
export const LOG_TAIL_BYTES = 64 * 1024;
/** One poll reads at most this much; the rest comes on the next poll. */
const MAX_CHUNK_BYTES = 256 * 1024;

/**
 * Where to read next, given the file's identity and size now. A smaller file
 * (truncated) or a different inode (rotated, recreated) starts over from 0.
 */
export function nextOffset(prev: { ino: number; offset: number }, now: { ino: number; size: number }): { from: number; reset: boolean } {
  if (now.ino !== prev.ino || now.size < prev.offset) return { from: 0, reset: true };
  return { from: prev.offset, reset: false };
}

/**
 * The log's real path, refused unless it lies inside banger's state dir: the
 * path comes from the daemon, but this process reads it, so it checks. A log
 * that does not exist yet (VM never started) is checked through its directory.
 * @throws InvalidInputError outside the state dir.
 */
export async function checkedLogPath(path: string, stateDir: string): Promise<string> {
  const root = await realpath(stateDir);
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    real = `${await realpath(dirname(path))}${sep}${path.slice(dirname(path).length + 1)}`;
  }
  if (!real.startsWith(root + sep)) {
    throw new InvalidInputError('the VM log is outside banger\'s state directory; refusing to read it', { code: 'ui.log_outside_state' });
  }
  return real;
}

interface Tail {
  ino: number;
  offset: number;
}

/** Reads from `tail.offset` to the end (capped). Returns the bytes and the new position; a missing file reads as empty. */
async function readFrom(path: string, tail: Tail | undefined, first: boolean): Promise<{ bytes: Buffer; tail: Tail | undefined; reset: boolean }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: Buffer.alloc(0), tail, reset: false };
    throw err;
  }
  try {
    const st = await fh.stat();
    const ino = Number(st.ino);
    let from = 0;
    let reset = false;
    if (first) from = Math.max(0, st.size - LOG_TAIL_BYTES);
    // A file that appeared after the stream began is all new (from 0).
    else if (tail) ({ from, reset } = nextOffset(tail, { ino, size: st.size }));
    const len = Math.min(st.size - from, MAX_CHUNK_BYTES);
    const bytes = Buffer.alloc(Math.max(0, len));
    if (len > 0) await fh.read(bytes, 0, len, from);
    return { bytes, tail: { ino, offset: from + Math.max(0, len) }, reset };
  } finally {
    await fh.close();
  }
}

export interface LogStreamDeps {
  call: DaemonCall;
  stateDir: string;
  /** @default 300 */
  pollMs?: number;
}

/**
 * `GET /api/vms/:name/log/stream`: the VM's serial log as SSE `log` events,
 * the tail first, then appended chunks from polling the file's size. Errors
 * before the stream starts are thrown (the caller answers with ApiError).
 */
export async function streamVmLog(req: IncomingMessage, res: ServerResponse, name: string, deps: LogStreamDeps): Promise<void> {
  // Only the path is needed: the tail is read here, from the same offset polling continues at.
  const { path } = await deps.call('vm.logs', { name, tailBytes: 0 }, { timeoutMs: 30_000 });
  const real = await checkedLogPath(path, deps.stateDir);
  res.writeHead(200, SSE_HEADERS);
  const decoder = new StringDecoder('utf8');
  let tail: Tail | undefined;
  let first = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
  req.on('close', stop);
  res.on('close', stop);

  const poll = async (): Promise<void> => {
    try {
      const r = await readFrom(real, tail, first);
      if (stopped) return;
      let text = decoder.write(r.bytes);
      if (first && r.tail && r.tail.offset - r.bytes.length > 0) {
        // Started mid-file: drop the partial first line, as `vm logs` does.
        const nl = text.indexOf('\n');
        text = nl >= 0 ? text.slice(nl + 1) : text;
      }
      // After a truncation the new text simply follows; the page keeps what it had.
      if (first || text.length > 0) res.write(sseFrame({ event: 'log', data: { text } }));
      first = false;
      tail = r.tail;
      // A full chunk means more is waiting: read on without the pause.
      timer = setTimeout(() => void poll(), r.bytes.length >= MAX_CHUNK_BYTES ? 0 : (deps.pollMs ?? 300));
    } catch {
      if (stopped) return;
      // The contract has no error event here: end the stream; EventSource retries, and a gone VM then gets a 404.
      res.end();
    }
  };
  await poll();
}
