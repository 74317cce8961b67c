import { Console } from 'node:console';
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runTui, shellOutcome, type GuardedSignal, type GuardProcess, type InteractiveCommand, type InteractiveResult } from '../../../tui/index.js';
import { createFakeTuiSource, fakeVm } from '../../fakes/fake-tui-source.js';
import { NOW as now, waitForFrame } from './frames.js';

// Ink decides at import whether it runs under CI (then it draws only a final frame), and CI sets CI=true.
// `banger tui` clears the variable before importing Ink (src/cli/commands/tui/open.ts); so does this test, before its imports.
vi.hoisted(() => {
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = 'false';
});

const ENTER_ALT = '\u001B[?1049h';
const LEAVE_ALT = '\u001B[?1049l';

/** A terminal for Ink (as ink-testing-library's), recording everything in one log. */
function fakeTerminal() {
  const log: string[] = [];
  const stdout = Object.assign(new EventEmitter(), {
    columns: 100,
    rows: 30,
    isTTY: true,
    written: '',
    write(s: string): boolean {
      stdout.written += s;
      if (s.includes(LEAVE_ALT)) log.push('leave alt screen');
      if (s.includes(ENTER_ALT)) log.push('enter alt screen');
      return true;
    },
  });
  let data: string | null = null;
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    write(d: string): void {
      data = d;
      stdin.emit('readable');
      stdin.emit('data', d);
    },
    read(): string | null {
      const d = data;
      data = null;
      return d;
    },
    setRawMode(on: boolean): void {
      log.push(`raw ${on ? 'on' : 'off'}`);
    },
    setEncoding: () => undefined,
    resume: () => undefined,
    pause(): void {
      log.push('stdin paused');
    },
    ref: () => undefined,
    unref: () => undefined,
  });
  /** The frame after the last alternate-screen entry (Ink writes whole frames there). */
  const screen = (): string => stdout.written.slice(stdout.written.lastIndexOf(ENTER_ALT));
  return { log, stdout, stdin, screen };
}

class FakeProcess extends EventEmitter implements GuardProcess {
  readonly pid = 4242;
  readonly calls: string[] = [];
  kill(pid: number, sig: GuardedSignal): boolean {
    this.calls.push(`kill ${pid} ${sig}`);
    return true;
  }
  exit(code: number): void {
    this.calls.push(`exit ${code}`);
  }
}

function setup(result: InteractiveResult) {
  const term = fakeTerminal();
  const fake = createFakeTuiSource([fakeVm('alpha'), fakeVm('beta')]);
  const proc = new FakeProcess();
  const ran: InteractiveCommand[] = [];
  const done = runTui({
    source: fake.source,
    shellCommand: (name) => ({ command: '/node', args: ['/banger/main.js', 'vm', 'ssh', name] }),
    runInteractive: async (cmd) => {
      term.log.push(`run ${cmd.args.join(' ')}`);
      ran.push(cmd);
      return result;
    },
    stdin: term.stdin as unknown as NodeJS.ReadStream,
    stdout: term.stdout as unknown as NodeJS.WriteStream,
    proc,
    app: { now, colors: false },
  });
  return { term, fake, proc, ran, done };
}

describe('runTui: the shell key hands the terminal over and takes it back', () => {
  beforeAll(() => {
    // runTui renders as `banger tui` does, console patch included; vitest's console has no Console class for it.
    if (!('Console' in console)) Object.assign(console, { Console });
  });

  it('leaves the full screen and raw mode, runs vm ssh for the selected VM, then draws a fresh app on that VM', async () => {
    const { term, fake, ran, done } = setup({ code: 0, signal: null });
    await waitForFrame(term.screen, (x) => x.includes('beta'));
    term.stdin.write('\u001B[B');
    await waitForFrame(term.screen, (x) => x.includes('> beta'));
    const listsBefore = fake.lists();
    term.stdin.write('x');
    const back = await waitForFrame(term.screen, (x) => x.includes('back from the shell in beta') && x.includes('alpha'));
    expect(back).toMatch(/> beta/);
    expect(ran).toEqual([{ command: '/node', args: ['/banger/main.js', 'vm', 'ssh', 'beta'] }]);
    // Raw mode off, normal screen and no read pending on the terminal before the shell; all back after.
    const at = term.log.indexOf('run /banger/main.js vm ssh beta');
    expect(term.log.slice(0, at)).toEqual(expect.arrayContaining(['raw off', 'leave alt screen', 'stdin paused']));
    expect(term.log.slice(0, at).lastIndexOf('raw off')).toBeGreaterThan(term.log.slice(0, at).lastIndexOf('raw on'));
    expect(term.log.slice(at)).toEqual(expect.arrayContaining(['enter alt screen', 'raw on']));
    expect(term.stdout.written).toContain('banger: a shell in beta (banger vm ssh beta); exit it to come back to the TUI\n');
    // Fresh state: the list was read again.
    expect(fake.lists()).toBeGreaterThan(listsBefore);
    term.stdin.write('q');
    await done;
  });

  it('after a failed shell, waits for Enter on the normal screen so its error can be read', async () => {
    const { term, done } = setup({ code: 1, signal: null });
    await waitForFrame(term.screen, (x) => x.includes('alpha'));
    term.stdin.write('x');
    await waitForFrame(() => term.stdout.written, (x) => x.includes('press Enter to return to the TUI'));
    expect(term.stdout.written).not.toContain('ended with exit code 1\u001B'); // not drawn yet
    term.stdin.emit('data', '\n');
    await waitForFrame(term.screen, (x) => x.includes('the shell in alpha ended with exit code 1'));
    term.stdin.write('q');
    await done;
  });

  it('a SIGTERM to the TUI during the shell ends the TUI with it instead of drawing again', async () => {
    const { term, proc, done } = setup({ code: null, signal: 'SIGTERM', interrupted: 'SIGTERM' });
    await waitForFrame(term.screen, (x) => x.includes('alpha'));
    term.stdin.write('x');
    await done;
    expect(proc.calls).toEqual(['kill 4242 SIGTERM', 'exit 143']);
    expect(term.log.filter((l) => l === 'enter alt screen')).toHaveLength(1);
  });

  it.each([
    [{ code: 0, signal: null }, 'back from the shell in a'],
    [{ code: 255, signal: null }, 'the shell in a ended with exit code 255'],
    [{ code: null, signal: 'SIGKILL' }, 'the shell in a ended by SIGKILL'],
  ] as const)('status line for %j', (r, text) => {
    expect(shellOutcome('a', r)).toBe(text);
  });
});
