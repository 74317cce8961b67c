import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, REPO_ROOT } from '../../helpers/build.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { CLI_MAIN } from '../../helpers/rig.js';
import { requiresTmux, TmuxSession } from './tmux.js';

/**
 * Every way out of the TUI gives the terminal back: normal screen, cursor
 * shown, cooked mode (icanon, echo). Checked on a real terminal (tmux) after
 * a signal to the built `banger tui` running against a real bangerd with a
 * stand-in VM, and after crashes of an app run through the same runFullScreen.
 */
const missingTmux = requiresTmux();
const missing = requiresNetns() ?? missingTmux;

/** What the terminal looks like once the program is gone (read while the pane's shell still holds it). */
async function terminalAfterExit(tmux: TmuxSession) {
  const state = await tmux.waitExited(15_000);
  const modes = tmux.ttyModesAfterExit() ?? '';
  return {
    status: state.status,
    alternateScreen: await tmux.format('#{alternate_on}'),
    cursorVisible: await tmux.format('#{cursor_flag}'),
    // Raw mode turns these off (-icanon -echo); a cooked terminal has both.
    cooked: /(^|\s)icanon(\s|$)/.test(modes) && /(^|\s)echo(\s|$)/.test(modes),
  };
}

describe.skipIf(missing !== null)(gated('banger tui ends on a signal with the terminal restored', missing), () => {
  let d: NetnsDaemon | undefined;
  let tmux: TmuxSession | undefined;

  beforeAll(async () => {
    buildDist();
    d = new NetnsDaemon();
    await d.start();
    const c = await d.client();
    await c.call('vm.create', { name: 'sig-a' });
  }, 180_000);

  afterEach(async () => {
    await tmux?.kill();
    tmux = undefined;
  }, 30_000);

  afterAll(async () => {
    if (!d) return;
    await d.stop().catch(() => undefined);
    await d.cleanup();
  }, 60_000);

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s: leaves the alternate screen, shows the cursor, turns raw mode off, exits %i', async (sig, code) => {
    tmux = new TmuxSession(d!.temp.env);
    await tmux.start([process.execPath, CLI_MAIN, 'tui'], 100, 24, 30);
    await tmux.waitFor((s) => /sig-a\s+running/.test(s), 30_000, 'the VM row');
    // The TUI is up: alternate screen on, cursor hidden (what the test proves gets undone).
    expect([await tmux.format('#{alternate_on}'), await tmux.format('#{cursor_flag}')]).toEqual(['1', '0']);
    process.kill(await tmux.programPid(), sig);
    const after = await terminalAfterExit(tmux);
    expect({ ...after, screen: after.status === code ? '' : await tmux.screen() }).toEqual({
      status: code,
      alternateScreen: '0',
      cursorVisible: '1',
      cooked: true,
      screen: '',
    });
  }, 60_000);
});

describe.skipIf(missingTmux !== null)(gated('a crash inside a runFullScreen app restores the terminal and prints the error', missingTmux), () => {
  let tmux: TmuxSession | undefined;
  beforeAll(() => buildDist(), 180_000);
  afterEach(async () => {
    await tmux?.kill();
    tmux = undefined;
  }, 30_000);

  it.each([
    ['render', 'boom in render'],
    ['input', 'boom in an input handler'],
    ['rejection', 'boom in a promise'],
  ])('a throw in %s: normal screen, cursor shown, cooked, the error printed there, exit 1', async (mode, message) => {
    tmux = new TmuxSession({ ...process.env, CI: 'false' });
    const fixture = `${REPO_ROOT}test/integration/tui/fixtures/crash-tui.mjs`;
    await tmux.start([process.execPath, fixture, `${REPO_ROOT}dist/tui/index.js`, mode], 100, 24, 30);
    await tmux.waitFor((s) => s.includes('crash fixture ready'), 20_000, 'the fixture app');
    expect(await tmux.format('#{alternate_on}')).toBe('1');
    await tmux.send('x');
    const after = await terminalAfterExit(tmux);
    expect(after).toEqual({ status: 1, alternateScreen: '0', cursorVisible: '1', cooked: true });
    // Printed after leaving the alternate screen, so it is on the screen the user is back on.
    expect(await tmux.screen()).toContain(`fixture caught: ${message}`);
  }, 60_000);
});
