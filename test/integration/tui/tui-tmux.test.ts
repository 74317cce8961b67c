import { readFileSync, realpathSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist } from '../../helpers/build.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { CLI_MAIN } from '../../helpers/rig.js';
import { requiresTmux, TmuxSession } from './tmux.js';

/**
 * `banger tui` in a real terminal (tmux) against a real bangerd running
 * stand-in VMs in a throwaway netns: rows come from vm.list, change through
 * vm.transition notifications, and keys drive the daemon.
 */
const missing = requiresNetns() ?? requiresTmux();

describe.skipIf(missing !== null)(gated('banger tui in tmux against bangerd with stand-in VMs', missing), () => {
  let d: NetnsDaemon | undefined;
  let tmux: TmuxSession | undefined;

  beforeAll(async () => {
    buildDist();
    d = new NetnsDaemon({ statsPollInterval: '500ms' });
    await d.start();
    const c = await d.client();
    await c.call('vm.create', { name: 'tui-a' });
    await c.call('vm.create', { name: 'tui-b' });
    tmux = new TmuxSession(d.temp.env);
    await tmux.start([process.execPath, CLI_MAIN, 'tui'], 120, 30);
  }, 180_000);

  afterAll(async () => {
    await tmux?.kill();
    if (!d) return;
    await d.stop().catch(() => undefined);
    await d.cleanup();
  }, 60_000);

  it('lists the stand-in VMs with state, IP and spec', async () => {
    const screen = await tmux!.waitFor((s) => /tui-a\s+running/.test(s) && /tui-b\s+running/.test(s), 30_000, 'both VMs running');
    expect(screen).toMatch(/NAME\s+STATE\s+IP\s+VCPU\s+MEM\s+CPU%\s+RSS\s+UPTIME\s+IMAGE/);
    expect(screen).toMatch(/> tui-a\s+running\s+10\.213\.\d+\.\d+\s+\d+\s+[\d.]+[KMGT]\s/);
    expect(screen).toContain('2 VMs · 2 running');
  }, 60_000);

  it('names the image, and counts uptime from the time vm stats counts from', async () => {
    const c = await d!.client();
    const images = await c.call('image.list', {});
    const a = await c.call('vm.show', { name: 'tui-a' });
    const name = images.find((i) => i.id === a.imageId)?.name;
    expect(name).toBeDefined();
    const screen = await tmux!.waitFor((s) => new RegExp(`tui-a\\s.*\\s${name}`).test(s), 15_000, 'the image name');
    expect(screen).not.toContain(a.imageId.slice(0, 8));
    // Issue 18: 8 s in the TUI where vm stats said 3m42s. Both now read runningSince.
    const stats = await c.call('vm.stats', { name: 'tui-a' });
    const shown = /tui-a\s.*?\s(\d+)s\s/.exec(screen) ?? /tui-a\s.*?\s(\d+)m(\d\d)s\s/.exec(screen);
    expect(shown).not.toBeNull();
    const secs = shown![2] !== undefined ? Number(shown![1]) * 60 + Number(shown![2]) : Number(shown![1]);
    expect(Math.abs(secs - stats.uptimeMs! / 1000)).toBeLessThan(5);
  }, 30_000);

  it('x runs banger vm ssh for the selected VM by the CLI’s own path, and the TUI comes back after it', async () => {
    await tmux!.send('x');
    await tmux!.waitFor((s) => s.includes('banger: a shell in tui-a (banger vm ssh tui-a)'), 15_000, 'the shell banner');
    expect(await tmux!.format('#{alternate_on}')).toBe('0');
    // A stand-in VM runs no sshd, so vm ssh would wait for SSH a long while: read what the TUI ran,
    // then end it (a signal to the child alone: Ctrl-C would also hit the test's wrapper shell).
    const tui = await tmux!.programPid();
    const childOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)[0];
    // The banner is written just before the spawn.
    const deadline = Date.now() + 5000;
    let child = childOf(tui);
    while (child === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      child = childOf(tui);
    }
    expect(child, await tmux!.screen()).toBeDefined();
    const argv = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // This CLI by path, not a `banger` that PATH happens to hold.
    expect(argv).toEqual([process.execPath, realpathSync(CLI_MAIN), 'vm', 'ssh', 'tui-a']);
    process.kill(Number(child), 'SIGTERM');
    const screen = await tmux!.waitFor((s) => s.includes('press Enter to return'), 15_000, 'vm ssh ending');
    expect(screen).not.toContain('Cannot find module');
    await tmux!.send('Enter');
    await tmux!.waitFor((s) => /> tui-a\s+running/.test(s) && s.includes('the shell in tui-a'), 15_000, 'the TUI again');
    expect(await tmux!.format('#{alternate_on}')).toBe('1');
  }, 60_000);

  it('fills CPU% and RSS from vm.stats notifications', async () => {
    // Stats poll every 500 ms here; the second sample gives a CPU figure.
    await tmux!.waitFor((s) => /tui-b\s+running\s+\S+\s+\d+\s+[\d.]+[KMGT]\s+\d+\.\d%\s+\d+(\.\d)?[KMG]/.test(s), 30_000, 'CPU% and RSS on tui-b');
  }, 60_000);

  it('s stops the selected VM and its row changes state', async () => {
    await tmux!.send('s');
    const screen = await tmux!.waitFor((s) => /tui-a\s+stopped/.test(s), 30_000, 'tui-a stopped');
    expect(screen).toMatch(/tui-b\s+running/);
    const c = await d!.client();
    expect((await c.call('vm.show', { name: 'tui-a' })).state).toBe('stopped');
  }, 60_000);

  it('enter shows details with the transitions it saw; escape goes back', async () => {
    await tmux!.send('Enter');
    const screen = await tmux!.waitFor((s) => s.includes('recent transitions'), 15_000, 'details');
    expect(screen).toContain('state: stopped');
    expect(screen).toMatch(/running → stopping/);
    expect(screen).toMatch(/spec: \d+ vcpu · [\d.]+[KMGT] memory/);
    await tmux!.send('Escape');
    await tmux!.waitFor((s) => s.includes('NAME') && s.includes('q quit'), 15_000, 'list again');
  }, 60_000);

  it('s on a stopped VM starts it again', async () => {
    await tmux!.send('s');
    await tmux!.waitFor((s) => /tui-a\s+running/.test(s), 30_000, 'tui-a running again');
  }, 60_000);

  it('says the daemon restarted and keeps showing live rows after reconnecting', async () => {
    await d!.stop();
    await tmux!.waitFor((s) => s.includes('reconnecting'), 20_000, 'reconnecting notice');
    await d!.start();
    const screen = await tmux!.waitFor((s) => s.includes('daemon restarted, reconnected'), 30_000, 'restart notice');
    expect(screen).toMatch(/tui-a\s+running/);
    // Live again on the new connection: a stop made elsewhere shows up in the row.
    const c = await d!.client();
    await c.call('vm.stop', { name: 'tui-b' });
    await tmux!.waitFor((s) => /tui-b\s+stopped/.test(s), 30_000, 'tui-b stopped after reconnect');
  }, 90_000);

  it('a VM created elsewhere appears as a new row', async () => {
    const c = await d!.client();
    await c.call('vm.create', { name: 'tui-c', noStart: true });
    await tmux!.waitFor((s) => /tui-c\s+(created|stopped)/.test(s), 30_000, 'tui-c row');
  }, 60_000);

  it('l shows the serial log of the selected VM; escape goes back', async () => {
    await tmux!.send('l');
    await tmux!.waitFor((s) => s.includes('console log: tui-a'), 15_000, 'log view');
    await tmux!.send('Escape');
    await tmux!.waitFor((s) => s.includes('q quit'), 15_000, 'list again');
  }, 30_000);

  it('r restarts the selected VM', async () => {
    await tmux!.send('r');
    const screen = await tmux!.waitFor((s) => s.includes('restart tui-a: done'), 30_000, 'restart done');
    expect(screen).toMatch(/tui-a\s+running/);
  }, 60_000);

  it('d asks first, and y deletes the selected VM and removes its row', async () => {
    await tmux!.send('Down');
    await tmux!.send('Down');
    await tmux!.waitFor((s) => /> tui-c/.test(s), 15_000, 'tui-c selected');
    await tmux!.send('d');
    await tmux!.waitFor((s) => s.includes('delete tui-c and its disks? y to confirm'), 15_000, 'confirmation');
    await tmux!.send('y');
    const screen = await tmux!.waitFor((s) => s.includes('delete tui-c: done') && !/^\s*>?\s*tui-c\s/m.test(s), 30_000, 'tui-c row gone');
    expect(screen).toContain('2 VMs');
    const c = await d!.client();
    expect((await c.call('vm.list', {})).map((v) => v.name).sort()).toEqual(['tui-a', 'tui-b']);
  }, 60_000);

  it('redraws cleanly when the terminal shrinks, dropping low-priority columns', async () => {
    await tmux!.resize(50, 30);
    const screen = await tmux!.waitFor((s) => !s.includes('IMAGE') && /tui-a\s+running/.test(s), 15_000, 'narrow table');
    // One header line only: the wide frame left no fragments behind.
    expect(screen.match(/NAME/g)).toHaveLength(1);
    expect(screen.split('\n').every((l) => l.length <= 50)).toBe(true);
  }, 30_000);

  it('q quits with exit status 0', async () => {
    await tmux!.send('q');
    const deadline = Date.now() + 15_000;
    let state = await tmux!.paneState();
    // tmux can mark the pane dead a moment before it has the exit status.
    while ((!state.dead || (state.status === null && state.signal === null)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = await tmux!.paneState();
    }
    // On failure, show what the program printed after leaving the alternate screen.
    expect({ ...state, screen: state.status === 0 ? '' : await tmux!.screen() }).toEqual({ dead: true, status: 0, signal: null, screen: '' });
  }, 30_000);
});
