import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findStartFailure, logOffset, readSince } from '../../../src/cli/daemon-log.js';

const pino = (level: number, msg: string, extra: Record<string, unknown> = {}) => JSON.stringify({ level, time: '2026-12-03T09:00:00.000Z', pid: 7, msg, ...extra });

describe('findStartFailure: the reason a bangerd start failed, from its log lines', () => {
  it.each([
    [
      "bangerd's own report, with its hint",
      ['bangerd: cannot create /var/x: EACCES', '  hint: check the permissions of /var/x'].join('\n'),
      { reason: 'cannot create /var/x: EACCES', hint: 'check the permissions of /var/x' },
    ],
    [
      'a config error that spans lines (the file\'s line and a caret)',
      ['bangerd: /c.toml:1:1: unknown key "colour"', '1 | colour = "red"', '  | ^', '  hint: remove it or fix the spelling'].join('\n'),
      { reason: '/c.toml:1:1: unknown key "colour"\n1 | colour = "red"\n  | ^', hint: 'remove it or fix the spelling' },
    ],
    [
      'an internal error followed by its stack',
      ['bangerd: boom', 'Error: boom', '    at main (file:///x.js:1:1)'].join('\n'),
      { reason: 'boom' },
    ],
    [
      'the last error or fatal pino record',
      [pino(30, 'bangerd starting'), pino(50, 'could not open the database', { err: { message: 'SQLITE_CANTOPEN' } }), pino(60, 'uncaught exception; stopping', { err: { message: 'EADDRINUSE' } })].join('\n'),
      { reason: 'uncaught exception; stopping: EADDRINUSE' },
    ],
    ['a pino record with a plain error field', pino(50, 'rpc handler failed', { error: 'x broke' }), { reason: 'rpc handler failed: x broke' }],
    [
      'a Node crash before any logging',
      ['node:internal/modules/cjs/loader:1228', '  throw err;', '  ^', '', "Error: Cannot find module '/nope/main.js'", '    at Module._resolveFilename (node:internal)'].join('\n'),
      { reason: "Error: Cannot find module '/nope/main.js'" },
    ],
  ])('%s', (_what, text, want) => {
    expect(findStartFailure(text)).toEqual(want);
  });

  it('finds nothing in a log of info lines', () => {
    expect(findStartFailure([pino(30, 'bangerd starting'), pino(40, 'slow')].join('\n'))).toBeUndefined();
    expect(findStartFailure('')).toBeUndefined();
  });
});

describe('reading only this start attempt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgr-dlog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('skips what earlier attempts wrote', () => {
    const log = join(dir, 'bangerd.log');
    expect(logOffset(log)).toBe(0);
    writeFileSync(log, 'bangerd: an old failure\n');
    const from = logOffset(log);
    appendFileSync(log, `${pino(30, 'bangerd starting')}\nbangerd: the new one\n`);
    expect(findStartFailure(readSince(log, from))).toEqual({ reason: 'the new one' });
    expect(readSince(join(dir, 'missing.log'), 0)).toBe('');
  });

  it('reads the whole log when it was truncated since', () => {
    const log = join(dir, 'small.log');
    writeFileSync(log, 'bangerd: fresh\n');
    expect(readSince(log, 10_000)).toBe('bangerd: fresh\n');
  });
});
