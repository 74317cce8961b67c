import { afterEach, describe, expect, it } from 'vitest';
import { CliRig } from '../../helpers/rig.js';

/** The built CLI, without a terminal: `banger tui` refuses in one line and starts no daemon. */
describe('banger tui / debug without a terminal', () => {
  let rig: CliRig | undefined;
  afterEach(async () => {
    await rig?.cleanup();
  });

  it('refuses banger tui when stdout is a pipe, naming the fix, and starts no daemon', async () => {
    rig = new CliRig();
    const r = await rig.cli(['tui'], { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('banger: the TUI needs an interactive terminal, but stdout is not a TTY\n  hint: run it in a terminal; in scripts use: banger vm list --json\n');
    expect(rig.daemonPid()).toBeUndefined();
  }, 30_000);

  it('prints the machine definitions bangerd runs, without a terminal', async () => {
    rig = new CliRig();
    const r = await rig.cli(['debug', 'machines', '--format', 'json'], { timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    const ids = (JSON.parse(r.stdout) as Array<{ id: string }>).map((g) => g.id);
    expect(ids).toEqual(['supervisor', 'vm', 'tapPool', 'dns', 'helperBridge']);
  }, 30_000);
});
