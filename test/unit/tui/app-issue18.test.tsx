import { render } from 'ink-testing-library';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { App, BINDINGS, colorsWanted, intentFor } from '../../../tui/index.js';
import { createFakeTuiSource, fakeVm } from '../../fakes/fake-tui-source.js';
import { NOW as now, waitForFrame } from './frames.js';

// The test's stdout is no terminal, so chalk (inside Ink, reading this once at import) would print no
// escapes at all and a NO_COLOR test would prove nothing: pretend a colour terminal for this file.
vi.hoisted(() => vi.stubEnv('FORCE_COLOR', '3'));
afterAll(() => vi.unstubAllEnvs());

/** SGR colour parameters: 30–39/40–49 (incl. 38/48 extended and the 39/49 resets), 90–97, 100–107. */
const COLOUR_SGR = /\u001B\[(?:\d+;)*(?:3\d|4\d|9[0-7]|10[0-7])(?:;\d+)*m/;

describe('TUI uptime', () => {
  it('counts from runningSince, not from updatedAt (which every stats sample moves)', async () => {
    // The issue: 8 s in the TUI where vm stats said 3m42s: the row had just been rewritten by a stats sample.
    const vm = fakeVm('alpha', { updatedAt: '2026-11-23T10:04:52.000Z' });
    vm.runtime.runningSince = '2026-11-23T10:01:18.000Z';
    const fake = createFakeTuiSource([vm]);
    const { lastFrame, unmount } = render(<App source={fake.source} now={now} colors={false} />);
    const f = await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    expect(f).toContain('3m42s');
    expect(f).not.toMatch(/\s8s\s/);
    unmount();
  });

  it('a VM that starts while shown counts from its start, and the list is reloaded for the daemon’s own time', async () => {
    const vm = fakeVm('alpha', { state: 'stopped' });
    const fake = createFakeTuiSource([vm]);
    const { lastFrame, unmount } = render(<App source={fake.source} now={now} colors={false} />);
    await waitForFrame(lastFrame, (x) => /alpha\s+stopped/.test(x));
    const before = fake.lists();
    // What bangerd's list says once the VM runs: its runningSince from the store.
    fake.setVms([fakeVm('alpha', { runtime: { ...vm.runtime, runningSince: '2026-11-23T10:04:30.000Z' } })]);
    fake.transition({ vmId: vm.id, name: 'alpha', from: 'stopped', to: 'starting', event: 'vm.start', at: '2026-11-23T10:04:00.000Z' });
    fake.transition({ vmId: vm.id, name: 'alpha', from: 'starting.boot', to: 'running', event: 'done', at: '2026-11-23T10:04:30.000Z' });
    const f = await waitForFrame(lastFrame, (x) => /alpha\s+running/.test(x));
    expect(f).toContain('30s');
    expect(fake.lists()).toBeGreaterThan(before);
    unmount();
  });
});

describe('TUI image column', () => {
  it('shows the image name, and a short id only for an image that is gone', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha'), fakeVm('beta', { imageId: 'deadbeefcafe00112233' })], [{ id: 'img000000000', name: 'debian-12' }]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={false} />);
    const f = await waitForFrame(lastFrame, (x) => x.includes('debian-12') && x.includes('beta'));
    expect(f).toMatch(/alpha\s.*debian-12/);
    expect(f).toMatch(/beta\s.*deadbeef\s/);
    expect(f).not.toContain('img00000');
    stdin.write('\r');
    expect(await waitForFrame(lastFrame, (x) => x.includes('recent transitions'))).toContain('image: debian-12');
    unmount();
  });
});

describe('TUI colours', () => {
  it.each([
    [{}, true],
    [{ NO_COLOR: '1' }, false],
    [{ NO_COLOR: '' }, true],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, true],
    [{ NO_COLOR: '1', FORCE_COLOR: '0' }, false],
  ])('colorsWanted(%j) is %s', (env, want) => {
    expect(colorsWanted(env)).toBe(want);
  });

  it('NO_COLOR: no colour escapes, the selection still shown (inverse and the > marker)', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha'), fakeVm('beta', { state: 'stopped', runtime: { ...fakeVm('beta').runtime, lastError: 'boom' } })]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={colorsWanted({ NO_COLOR: '1' })} />);
    const f = await waitForFrame(lastFrame, (x) => x.includes('beta'));
    expect(f).not.toMatch(COLOUR_SGR);
    expect(f).toContain('\u001B[7m');
    expect(f).toContain('> ');
    // Every screen: details (a red last error with colour), the status line (yellow), the delete question (red).
    stdin.write('\u001B[B');
    await waitForFrame(lastFrame, (x) => x.includes('> ') && /beta/.test(x));
    stdin.write('\r');
    expect(await waitForFrame(lastFrame, (x) => x.includes('last error: boom'))).not.toMatch(COLOUR_SGR);
    stdin.write('\u001B');
    await waitForFrame(lastFrame, (x) => x.includes('q quit'));
    stdin.write('x');
    expect(await waitForFrame(lastFrame, (x) => x.includes('needs it running'))).not.toMatch(COLOUR_SGR);
    stdin.write('d');
    expect(await waitForFrame(lastFrame, (x) => x.includes('y to confirm'))).not.toMatch(COLOUR_SGR);
    unmount();
  });

  it('with colour on, the state column is coloured (so the test above would see it)', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    const { lastFrame, unmount } = render(<App source={fake.source} now={now} colors />);
    expect(await waitForFrame(lastFrame, (x) => x.includes('alpha'))).toMatch(COLOUR_SGR);
    unmount();
  });
});

describe('TUI help (?)', () => {
  it('lists every binding of the table, and ? or esc closes it where it was opened', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={false} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    stdin.write('?');
    const help = await waitForFrame(lastFrame, (x) => x.includes('close this help'));
    for (const b of BINDINGS) {
      expect(help).toContain(b.keys);
      expect(help).toContain(b.does);
    }
    stdin.write('?');
    await waitForFrame(lastFrame, (x) => x.includes('q quit') && !x.includes('close this help'));
    stdin.write('\r');
    await waitForFrame(lastFrame, (x) => x.includes('recent transitions'));
    stdin.write('?');
    await waitForFrame(lastFrame, (x) => x.includes('close this help'));
    stdin.write('\u001B');
    await waitForFrame(lastFrame, (x) => x.includes('recent transitions'));
    unmount();
  });

  it('fits an 80-column terminal', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={false} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    stdin.write('?');
    const help = await waitForFrame(lastFrame, (x) => x.includes('close this help'));
    // The header spans the test terminal's 100 columns by design; the help lines are what must fit.
    const lines = help.replace(/\u001B\[[\d;]*m/g, '').split('\n').filter((l) => !l.startsWith('banger'));
    expect(Math.max(...lines.map((l) => l.trimEnd().length))).toBeLessThanOrEqual(80);
    unmount();
  });

  it('the footer names only keys the table binds in the list', () => {
    for (const b of BINDINGS.filter((x) => x.hint && x.modes.includes('list'))) {
      const first = b.hint!.split(' ')[0]!;
      const key = first.length > 1 ? first.split('/')[0]! : first;
      const input = key === 'enter' || key === '↑' ? '' : key;
      expect(intentFor('list', input, key === 'enter' ? { return: true } : key === '↑' ? { upArrow: true } : {})).toEqual(
        typeof b.intent === 'function' ? b.intent(input) : b.intent,
      );
    }
  });
});

describe('TUI filter (/)', () => {
  const vms = () => [
    fakeVm('alpha'),
    fakeVm('beta', { state: 'stopped' }),
    fakeVm('gamma', { imageId: 'img111111111' }),
  ];
  const images = [
    { id: 'img000000000', name: 'debian-12' },
    { id: 'img111111111', name: 'alpine' },
  ];

  it('filters by name, image or state as you type, keeps it on enter, clears it on esc', async () => {
    const fake = createFakeTuiSource(vms(), images);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={false} />);
    await waitForFrame(lastFrame, (x) => x.includes('gamma') && x.includes('alpine'));
    stdin.write('/');
    await waitForFrame(lastFrame, (x) => x.includes('enter keeps'));
    stdin.write('BE');
    let f = await waitForFrame(lastFrame, (x) => x.includes('/BE') && !x.includes('gamma'));
    expect(f).toMatch(/> beta\s+stopped/);
    expect(f).not.toContain('alpha ');
    expect(f).toContain('1 of 3 VMs');
    stdin.write('\r');
    f = await waitForFrame(lastFrame, (x) => x.includes('filter: BE'));
    expect(f).toContain('q quit');
    // Back to editing: erase, then an image name.
    stdin.write('/');
    await waitForFrame(lastFrame, (x) => x.includes('/BE'));
    stdin.write('\u007F');
    stdin.write('\u007F');
    stdin.write('alpine');
    f = await waitForFrame(lastFrame, (x) => x.includes('/alpine') && x.includes('gamma') && !x.includes('beta'));
    expect(f).toMatch(/> gamma/);
    stdin.write('\u001B');
    f = await waitForFrame(lastFrame, (x) => x.includes('alpha') && x.includes('beta') && x.includes('gamma') && !x.includes('of 3 VMs'));
    // The cursor stayed on the VM it was on.
    expect(f).toMatch(/> gamma/);
    unmount();
  });

  it('by state; with no match the cursor is on no hidden row and keys act on nothing', async () => {
    const fake = createFakeTuiSource(vms(), images);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={false} />);
    await waitForFrame(lastFrame, (x) => x.includes('gamma'));
    stdin.write('/');
    await waitForFrame(lastFrame, (x) => x.includes('enter keeps'));
    stdin.write('stopped');
    const f = await waitForFrame(lastFrame, (x) => x.includes('/stopped') && !x.includes('alpha'));
    expect(f).toMatch(/> beta/);
    stdin.write('zzz');
    await waitForFrame(lastFrame, (x) => x.includes('no VM matches "stoppedzzz"'));
    stdin.write('\r');
    await waitForFrame(lastFrame, (x) => x.includes('filter: stoppedzzz'));
    stdin.write('s');
    stdin.write('d');
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.actions).toEqual([]);
    expect(lastFrame()).not.toContain('y to confirm');
    unmount();
  });

  it('keys that arrive in one read are taken one by one: "/al", then Enter and ? together', async () => {
    const fake = createFakeTuiSource(vms(), images);
    const asked: string[] = [];
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={false} onShell={(n) => asked.push(n)} />);
    await waitForFrame(lastFrame, (x) => x.includes('gamma'));
    stdin.write('/al');
    await waitForFrame(lastFrame, (x) => x.includes('/al▏') && !x.includes('beta'));
    stdin.write('\r?');
    await waitForFrame(lastFrame, (x) => x.includes('close this help'));
    stdin.write('q');
    const f = await waitForFrame(lastFrame, (x) => x.includes('filter: al'));
    expect(f).toContain('q quit');
    // x ends the app: the s read with it is not acted on.
    stdin.write('xs');
    await new Promise((r) => setTimeout(r, 100));
    expect(asked).toEqual(['alpha']);
    expect(fake.actions).toEqual([]);
    unmount();
  });

  it('keys typed in one burst after / are text: "/stop" filters and stops nothing', async () => {
    const fake = createFakeTuiSource(vms(), images);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={false} />);
    await waitForFrame(lastFrame, (x) => x.includes('gamma'));
    for (const ch of '/stop') stdin.write(ch);
    await waitForFrame(lastFrame, (x) => x.includes('/stop'));
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.actions).toEqual([]);
    unmount();
  });
});

describe('TUI shell key (x)', () => {
  it('asks for a shell in the selected running VM, then exits the app', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    const asked: string[] = [];
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={false} onShell={(n) => asked.push(n)} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    stdin.write('x');
    await new Promise((r) => setTimeout(r, 50));
    expect(asked).toEqual(['alpha']);
    unmount();
  });

  it.each([
    ['stopped', 's starts it'],
    ['paused', 'p resumes it'],
  ] as const)('refuses a %s VM on the status line, saying how to fix it', async (state, fix) => {
    const fake = createFakeTuiSource([fakeVm('beta', { state })]);
    const asked: string[] = [];
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} colors={false} onShell={(n) => asked.push(n)} />);
    await waitForFrame(lastFrame, (x) => x.includes('beta'));
    stdin.write('x');
    await waitForFrame(lastFrame, (x) => x.includes(`beta is ${state}: a shell needs it running (${fix})`));
    expect(asked).toEqual([]);
    unmount();
  });

  it('comes back selecting the VM, with the message it was given', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha'), fakeVm('beta')]);
    const { lastFrame, unmount } = render(<App source={fake.source} now={now} colors={false} select="beta" message="back from the shell in beta" />);
    const f = await waitForFrame(lastFrame, (x) => x.includes('> beta'));
    expect(f).toContain('back from the shell in beta');
    unmount();
  });
});
