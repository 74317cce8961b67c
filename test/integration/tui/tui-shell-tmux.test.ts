import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, REPO_ROOT } from '../../helpers/build.js';
import { gated } from '../../helpers/host-caps.js';
import { requiresTmux, TmuxSession } from './tmux.js';

/**
 * The shell key (x) on a real terminal (tmux): the built runTui, as `banger tui` runs it, hands the
 * terminal to a stand-in for `banger vm ssh NAME` (normal screen, cooked mode, every key typed reaches
 * it) and draws a fresh TUI when it exits. And NO_COLOR as a terminal sees it.
 */
const missing = requiresTmux();
const FIXTURE = `${REPO_ROOT}test/integration/tui/fixtures/shell-tui.mjs`;
/** SGR colours: 30–38, 40–48, 90–97, 100–107 (tmux's capture adds 39/49, "default colour", after any attribute). */
const COLOUR_SGR = /\u001B\[(?:\d+;)*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;\d+)*m/;

describe.skipIf(missing !== null)(gated('the TUI hands the terminal to vm ssh and takes it back', missing), () => {
  let tmux: TmuxSession | undefined;
  beforeAll(() => buildDist(), 180_000);
  afterEach(async () => {
    await tmux?.kill();
    tmux = undefined;
  }, 30_000);

  async function start(env: Record<string, string> = {}): Promise<TmuxSession> {
    // No CI variables: Ink draws only a final frame under CI, and chalk turns colour off for any CI
    // (even CI=false), which would make the NO_COLOR test pass for the wrong reason.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CI|CI_.*|CONTINUOUS_INTEGRATION|NO_COLOR|FORCE_COLOR)$/.test(k)));
    const t = new TmuxSession({ ...base, ...env });
    await t.start([process.execPath, FIXTURE, `${REPO_ROOT}dist/tui/index.js`], 100, 30, 30);
    await t.waitFor((s) => /> alpha\s+running/.test(s) && s.includes('listed-1'), 20_000, 'the TUI');
    return t;
  }

  it('x: normal screen and cooked mode for the shell, every key reaches it, then a fresh TUI on that VM; q exits 0', async () => {
    tmux = await start();
    expect(await tmux.format('#{alternate_on}')).toBe('1');
    await tmux.send('x');
    const shell = await tmux.waitFor((s) => s.includes('stand-in shell for alpha'), 15_000, 'the stand-in shell');
    expect(shell).toContain('banger: a shell in alpha (banger vm ssh alpha); exit it to come back to the TUI');
    expect(shell).toContain('cooked: yes');
    expect(await tmux.format('#{alternate_on}')).toBe('0');
    // Typed one key at a time, as a person would: the first one used to be the one a pending read stole.
    for (const k of ['b', 'y', 'e']) await tmux.send(k);
    await tmux.send('Enter');
    const back = await tmux.waitFor((s) => s.includes('back from the shell in alpha') && s.includes('listed-2'), 15_000, 'the TUI again');
    expect(back).toMatch(/> alpha\s+running/);
    expect(await tmux.format('#{alternate_on}')).toBe('1');
    await tmux.send('q');
    const state = await tmux.waitExited(15_000);
    expect({ status: state.status, alt: await tmux.format('#{alternate_on}'), screen: await tmux.screen() }).toMatchObject({ status: 0, alt: '0' });
    expect(/(^|\s)icanon(\s|$)/.test(tmux.ttyModesAfterExit() ?? '')).toBe(true);
  }, 60_000);

  it('a failed shell leaves its error on the screen until Enter, then the TUI says how it ended', async () => {
    tmux = await start();
    await tmux.send('x');
    await tmux.waitFor((s) => s.includes('stand-in shell for alpha'), 15_000, 'the stand-in shell');
    await tmux.send('n', 'o', 'Enter');
    const failed = await tmux.waitFor((s) => s.includes('press Enter to return to the TUI'), 15_000, 'the prompt');
    expect(failed).toContain('vm ssh: something went wrong');
    expect(await tmux.format('#{alternate_on}')).toBe('0');
    await tmux.send('Enter');
    await tmux.waitFor((s) => s.includes('the shell in alpha ended with exit code 7'), 15_000, 'the TUI with the exit code');
    await tmux.send('x');
    // Still works a second time.
    await tmux.waitFor((s) => s.split('stand-in shell for alpha').length === 3, 15_000, 'the shell again');
    await tmux.send('b', 'y', 'e', 'Enter');
    await tmux.waitFor((s) => s.includes('back from the shell in alpha'), 15_000, 'the TUI again');
  }, 60_000);

  it('x on a stopped VM opens nothing and says why', async () => {
    tmux = await start();
    await tmux.send('Down');
    await tmux.waitFor((s) => /> beta/.test(s), 10_000, 'beta selected');
    await tmux.send('x');
    await tmux.waitFor((s) => s.includes('beta is stopped: a shell needs it running (s starts it)'), 10_000, 'the refusal');
    expect(await tmux.format('#{alternate_on}')).toBe('1');
  }, 30_000);

  it('image names in the column; a deleted image as a short id', async () => {
    tmux = await start();
    const s = await tmux.screen();
    expect(s).toMatch(/alpha\s.*debian-12/);
    expect(s).toMatch(/beta\s.*img-gone\s/);
  }, 30_000);

  it('NO_COLOR: no colour on the terminal, the selection in reverse video; without it, colour', async () => {
    tmux = await start({ NO_COLOR: '1' });
    const plain = await tmux.screenWithEscapes();
    expect(plain).not.toMatch(COLOUR_SGR);
    expect(plain).toMatch(/\u001B\[(?:\d+;)*7m(?:\u001B\[[\d;]*m)*> alpha/);
    await tmux.kill();
    tmux = await start();
    expect(await tmux.screenWithEscapes()).toMatch(COLOUR_SGR);
  }, 60_000);
});
