import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { Interrupts } from '../../../../src/cli/guest/interrupts.js';

/** process-like signal source and stdout/stderr/stdin stand-ins. */
function setup() {
  const signals = new EventEmitter();
  const stdout = new EventEmitter();
  const stderr = new EventEmitter();
  const stdin = new EventEmitter();
  const it = new Interrupts({ signals, outputs: [stdout, stderr], input: stdin });
  return { it, signals, stdout, stderr, stdin };
}

const epipe = (): NodeJS.ErrnoException => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });

describe('Interrupts (vm run --rm)', () => {
  it('the first SIGTERM aborts the waits, is relayed to the guest command and makes the exit code 143', () => {
    const { it: ints, signals } = setup();
    const relayed: string[] = [];
    ints.relay.on('SIGTERM', () => relayed.push('SIGTERM'));
    expect(ints.signal.aborted).toBe(false);
    expect(ints.exitCode).toBeUndefined();
    signals.emit('SIGTERM');
    expect(ints.signal.aborted).toBe(true);
    expect(ints.received).toBe('SIGTERM');
    expect(ints.exitCode).toBe(143);
    expect(relayed).toEqual(['SIGTERM']);
  });

  it('SIGHUP is 129, SIGINT 130; the first signal decides the exit code', () => {
    const a = setup();
    a.signals.emit('SIGHUP');
    a.signals.emit('SIGINT');
    expect(a.it.exitCode).toBe(129);
    const b = setup();
    b.signals.emit('SIGINT');
    expect(b.it.exitCode).toBe(130);
  });

  it('a lost terminal (EPIPE on stdout or stderr, EIO on stdin) is one SIGHUP, however many streams fail', () => {
    const { it: ints, stdout, stderr, stdin } = setup();
    const hups = vi.fn();
    ints.relay.on('SIGHUP', hups);
    stdout.emit('error', epipe());
    stderr.emit('error', epipe());
    stdin.emit('error', Object.assign(new Error('read EIO'), { code: 'EIO' }));
    expect(hups).toHaveBeenCalledTimes(1);
    expect(ints.exitCode).toBe(129);
    expect(ints.terminalGone).toBe(true);
  });

  it('other stream errors are not a hang-up', () => {
    const { it: ints, stdout } = setup();
    stdout.emit('error', Object.assign(new Error('boom'), { code: 'EACCES' }));
    expect(ints.received).toBeUndefined();
  });

  it('during cleanup an interrupt gives up waiting (once) instead of being relayed', () => {
    const { it: ints, signals } = setup();
    const relayed = vi.fn();
    ints.relay.on('SIGINT', relayed);
    signals.emit('SIGINT');
    const giveUp = vi.fn();
    ints.enterCleanup(giveUp);
    // The first interrupt happened before the cleanup began: it does not count as the second.
    expect(giveUp).not.toHaveBeenCalled();
    signals.emit('SIGINT');
    signals.emit('SIGTERM');
    expect(giveUp).toHaveBeenCalledTimes(1);
    expect(giveUp).toHaveBeenCalledWith('SIGINT');
    expect(relayed).toHaveBeenCalledTimes(1);
    expect(ints.exitCode).toBe(130);
  });

  it('dispose removes every listener it added', () => {
    const { it: ints, signals, stdout, stdin } = setup();
    ints.dispose();
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) expect(signals.listenerCount(sig)).toBe(0);
    expect(stdout.listenerCount('error')).toBe(0);
    expect(stdin.listenerCount('error')).toBe(0);
  });
});
