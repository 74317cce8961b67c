import { describe, expect, it } from 'vitest';
import { age, print, renderFields, renderTable, reportError } from '../../../src/cli/index.js';
import { NotFoundError, UsageError } from '../../../src/errors/index.js';

describe('print', () => {
  it('prints data as JSON with --json and human text otherwise', () => {
    const out: string[] = [];
    expect(print({ data: [], human: 'no VMs' }, { json: true, command: 'vm list', write: (t) => out.push(t) })).toBe(0);
    print({ data: [], human: 'no VMs' }, { json: false, write: (t) => out.push(t) });
    expect(out.map((t) => t.endsWith('\n'))).toEqual([true, true]);
    expect(JSON.parse(out[0]!)).toEqual({ apiVersion: 'banger.cli/v1', command: 'vm list', ok: true, data: [] });
    expect(out[1]).toBe('no VMs\n');
  });
});

describe('renderTable / renderFields / age', () => {
  it('aligns columns and upper-cases headers', () => {
    expect(renderTable(['name', 'state'], [['a', 'running'], ['longer', 'x']])).toBe(
      'NAME    STATE\na       running\nlonger  x',
    );
  });

  it('aligns fields and skips undefined', () => {
    expect(renderFields([['a', 1], ['bbb', undefined], ['cc', 'x']])).toBe('a:  1\ncc: x');
  });

  it('formats ages', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(age('2026-01-01T23:59:30Z', now)).toBe('30s ago');
    expect(age('2026-01-01T23:00:00Z', now)).toBe('1h ago');
    expect(age('2025-12-30T00:00:00Z', now)).toBe('3d ago');
  });
});

describe('reportError', () => {
  const capture = () => {
    const io = { out: '', err: '' };
    return { io, sink: { stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) } };
  };

  it('prints message and hint, exit 1 for user errors', () => {
    const { io, sink } = capture();
    expect(reportError(new NotFoundError('no VM named "x"', { hint: 'see: banger vm list' }), { json: false, debug: false }, sink)).toBe(1);
    expect(io.err).toBe('banger: no VM named "x"\n  hint: see: banger vm list\n');
    expect(io.out).toBe('');
  });

  it('exit 2 for usage errors; stack only with --debug', () => {
    const { io, sink } = capture();
    expect(reportError(new UsageError('bad'), { json: false, debug: true }, sink)).toBe(2);
    expect(io.err).toMatch(/^banger: bad\nUsageError: bad\n\s+at /);
  });

  it('prints the error envelope on stdout with --json; the --debug stack still on stderr', () => {
    const { io, sink } = capture();
    expect(reportError(new Error('kaboom'), { json: true, debug: true, command: 'vm list' }, sink)).toBe(1);
    expect(JSON.parse(io.out)).toEqual({ apiVersion: 'banger.cli/v1', command: 'vm list', ok: false, error: { kind: 'internal', code: 'error', message: 'kaboom' } });
    expect(io.err).toMatch(/^Error: kaboom\n\s+at /);
  });
});
