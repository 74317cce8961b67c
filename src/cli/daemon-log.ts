import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Why a bangerd the CLI just spawned did not come up, read from what that
 * start attempt appended to bangerd.log: the CLI quotes it instead of only
 * pointing at the file. Two writers share the log: pino (one JSON object per
 * line; level 50 is error, 60 fatal) and the process's own stderr, where
 * bangerd's main prints a start-up failure as `bangerd: <message>` lines and
 * `  hint: <hint>`, and where Node prints an uncaught crash.
 */

export interface StartFailure {
  /** The reason, as bangerd said it; may span lines (a config error shows the file's line and a caret). */
  reason: string;
  hint?: string;
}

/** How much of the log's end is read: a failed start writes a few lines, a crash a stack. */
const MAX_READ_BYTES = 64 * 1024;

/** The log's size now, where a new attempt's lines will start (0 when there is no log yet). */
export function logOffset(path: string): number {
  try {
    const fd = openSync(path, 'r');
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** The text appended to `path` since `from` (at most its last 64 KiB); '' when unreadable. */
export function readSince(path: string, from: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    // A log truncated or replaced since: read what there is.
    const start = Math.max(size < from ? 0 : from, size - MAX_READ_BYTES);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

interface PinoRecord {
  level?: unknown;
  msg?: unknown;
  err?: { message?: unknown };
  error?: unknown;
}

function pinoRecord(line: string): PinoRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    return v !== null && typeof v === 'object' ? (v as PinoRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The reason in a start attempt's log text: bangerd's own `bangerd: ...` report (with its
 * continuation lines and hint) if there is one, else the last error or fatal pino record,
 * else the first line of a Node crash ("Error: ..."). Undefined when none is there.
 */
export function findStartFailure(text: string): StartFailure | undefined {
  const lines = text.split('\n');
  const own = lines.findLastIndex((l) => l.startsWith('bangerd: '));
  if (own !== -1) {
    const body = [lines[own]!.slice('bangerd: '.length)];
    let hint: string | undefined;
    for (const l of lines.slice(own + 1)) {
      if (l.startsWith('  hint: ')) {
        hint = l.slice('  hint: '.length);
        break;
      }
      // The message's own further lines (a config excerpt) until the hint or the next record.
      // An internal error's stack follows its report: not part of the reason.
      if (l === '' || pinoRecord(l) || /^\s+at /.test(l) || /^\w*Error( \[\w+\])?: /.test(l)) break;
      body.push(l);
    }
    return { reason: body.join('\n'), ...(hint ? { hint } : {}) };
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const rec = pinoRecord(lines[i]!);
    if (!rec || typeof rec.level !== 'number' || rec.level < 50) continue;
    const msg = typeof rec.msg === 'string' ? rec.msg : 'error';
    const detail = typeof rec.err?.message === 'string' ? rec.err.message : typeof rec.error === 'string' ? rec.error : undefined;
    return { reason: detail ? `${msg}: ${detail}` : msg };
  }
  const crash = lines.find((l) => /^(\w*Error|Error \[\w+\]|node:internal)\b.*:/.test(l) && !l.startsWith('node:internal'));
  return crash ? { reason: crash.trim() } : undefined;
}
