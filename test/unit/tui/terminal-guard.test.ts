import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { guardTerminal, signalExitCode, type GuardedSignal, type GuardProcess } from '../../../tui/index.js';

const ENTER_ALT = '\u001B[?1049h';
const LEAVE_ALT = '\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';

/** A process stand-in: real listener bookkeeping, kill/exit recorded instead of done. */
class FakeProcess extends EventEmitter implements GuardProcess {
  readonly pid = 4242;
  readonly calls: string[] = [];
  kill(pid: number, sig: GuardedSignal): boolean {
    this.calls.push(`kill ${pid} ${sig} (listeners left: ${this.listenerCount(sig)})`);
    return true;
  }
  exit(code: number): void {
    this.calls.push(`exit ${code}`);
  }
}

function setup() {
  const proc = new FakeProcess();
  const out = Object.assign(new EventEmitter(), {
    written: '',
    write(s: string): boolean {
      out.written += s;
      return true;
    },
  });
  const stdin = { isTTY: true, raw: [] as boolean[], setRawMode: (on: boolean) => stdin.raw.push(on) };
  const order: string[] = [];
  const guard = guardTerminal({
    out,
    stdin,
    proc,
    onStop: () => order.push(`stop (alt screen still on: ${!out.written.includes(LEAVE_ALT)})`),
  });
  return { proc, out, stdin, guard, order };
}

const LISTENED = ['SIGTERM', 'SIGHUP', 'SIGINT', 'uncaughtException', 'unhandledRejection'] as const;

describe('guardTerminal', () => {
  it('enters the alternate screen and listens for signals and crashes only once attached', () => {
    const { proc, out, guard } = setup();
    expect(LISTENED.map((e) => proc.listenerCount(e))).toEqual([0, 0, 0, 0, 0]);
    guard.attach();
    expect(out.written.startsWith(ENTER_ALT)).toBe(true);
    expect(LISTENED.map((e) => proc.listenerCount(e))).toEqual([1, 1, 1, 1, 1]);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const)('on %s stops the app, restores the terminal, then dies of the signal (fallback exit %i)', (sig, code) => {
    const { proc, out, stdin, guard, order } = setup();
    guard.attach();
    proc.emit(sig, sig);
    expect(order).toEqual(['stop (alt screen still on: true)']);
    expect(stdin.raw).toEqual([false]);
    expect(out.written.endsWith(LEAVE_ALT + SHOW_CURSOR)).toBe(true);
    // Re-raised with no listener left, so the default action (terminate) applies.
    expect(proc.calls).toEqual([`kill 4242 ${sig} (listeners left: 0)`, `exit ${code}`]);
    expect(LISTENED.map((e) => proc.listenerCount(e))).toEqual([0, 0, 0, 0, 0]);
  });

  it.each(['uncaughtException', 'unhandledRejection'] as const)('on %s restores the terminal and rejects failure with the error', async (ev) => {
    const { proc, out, stdin, guard, order } = setup();
    guard.attach();
    const boom = new Error('boom');
    proc.emit(ev, boom);
    await expect(guard.failure).rejects.toBe(boom);
    expect(order).toHaveLength(1);
    expect(stdin.raw).toEqual([false]);
    expect(out.written.endsWith(LEAVE_ALT + SHOW_CURSOR)).toBe(true);
    expect(proc.calls).toEqual([]);
    expect(LISTENED.map((e) => proc.listenerCount(e))).toEqual([0, 0, 0, 0, 0]);
  });

  it('stop is idempotent: a quit after a crash restores once', () => {
    const { proc, out, stdin, guard, order } = setup();
    guard.attach();
    proc.emit('uncaughtException', new Error('first'));
    guard.stop();
    guard.stop();
    expect(order).toHaveLength(1);
    expect(stdin.raw).toEqual([false]);
    expect(out.written.split(LEAVE_ALT)).toHaveLength(2);
  });

  it('restores the terminal even when stopping the app throws', () => {
    const proc = new FakeProcess();
    let written = '';
    const out = Object.assign(new EventEmitter(), { write: (s: string) => ((written += s), true) });
    const guard = guardTerminal({ out, stdin: { isTTY: false }, proc, onStop: () => { throw new Error('unmount failed'); } });
    guard.attach();
    proc.emit('SIGTERM', 'SIGTERM');
    expect(written.endsWith(LEAVE_ALT + SHOW_CURSOR)).toBe(true);
    expect(proc.calls).toEqual(['kill 4242 SIGTERM (listeners left: 0)', 'exit 143']);
  });

  it('does not touch the screen when stopped before attach', () => {
    const { out, stdin, guard, order } = setup();
    guard.stop();
    expect(order).toHaveLength(1);
    expect(out.written).toBe('');
    expect(stdin.raw).toEqual([]);
  });

  it('maps signals to the shell exit status', () => {
    expect([signalExitCode('SIGHUP'), signalExitCode('SIGINT'), signalExitCode('SIGTERM')]).toEqual([129, 130, 143]);
  });
});
