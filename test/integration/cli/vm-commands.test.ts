/**
 * The vm commands through the built CLI against a real bangerd (stand-in VMM,
 * inside a throwaway netns): what a user types, what they see, exit codes,
 * and that refused input writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { jsonData } from '../../helpers/cli-json.js';

const missing = requiresNetns();
/** A start's line ends with how the VM came up once bangerd says (runtime.startPath); the stand-in boots cold. */
const START = '( · (cold boot|started warm \\(from image snapshot\\)|restored from snapshot))?';
const up = (...names: string[]) => new RegExp(`^${names.map((n) => `${n} running${START}\\n`).join('')}$`);

describe.skipIf(missing !== null)('banger vm commands against bangerd (stand-in VMM)', () => {
  let d: NetnsDaemon;
  const cli = (args: string[], timeoutMs?: number) => d.cli(args, timeoutMs);

  beforeAll(async () => {
    d = new NetnsDaemon();
    await d.start();
  }, 60_000);
  afterAll(async () => {
    await d?.cleanup();
  }, 60_000);

  it('create → list → stop → start → stats → set → restart → delete', async () => {
    const created = await cli(['vm', 'create', '--name', 'box', '--vcpu', '1', '--memory', '256']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^box running · 1 vcpu · 256M memory · \\S+ disk · 10\\.213\\.\\d+\\.\\d+${START}\\nssh in: banger vm ssh box`));
    const list = jsonData((await cli(['vm', 'list', '--json'])).stdout) as { name: string; state: string }[];
    expect(list.map((v) => [v.name, v.state])).toEqual([['box', 'running']]);
    expect((await cli(['vm', 'stop', 'box'])).stdout).toBe('box stopped\n');
    expect((await cli(['vm', 'start', 'box'])).stdout).toMatch(up('box'));
    const stats = await cli(['vm', 'stats', 'box', '--json']);
    expect(stats.code, stats.stderr).toBe(0);
    expect(jsonData(stats.stdout)).toMatchObject({ name: 'box', state: 'running' });
    // Also asks for the VM's snapshots (none: a kept VM is never made a warm snapshot behind the user's back).
    const show = await cli(['vm', 'show', 'box']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^name: +box$/m);
    expect(show.stdout).not.toMatch(/^snapshots:/m);
    const set = await cli(['vm', 'set', 'box', '--memory', '512']);
    expect(set).toMatchObject({ code: 0 });
    expect(set.stdout).toContain("512M memory");
    expect((await cli(['vm', 'restart', 'box'])).stdout).toMatch(up('box'));
    expect(d.dig('box.vm').ip).toMatch(/^10\.213\./);
    expect((await cli(['vm', 'delete', '--force', 'box'])).stdout).toBe('box deleted\n');
    expect(d.dig('box.vm').status).toBe('NXDOMAIN');
    expect(jsonData((await cli(['vm', 'list', '--json'])).stdout)).toEqual([]);
  }, 120_000);

  it('start/stop/delete take several names and report each', async () => {
    for (const n of ['m1', 'm2']) expect((await cli(['vm', 'create', '--no-start', '--name', n])).code).toBe(0);
    expect((await cli(['vm', 'start', 'm1', 'm2'])).stdout).toMatch(up('m1', 'm2'));
    const del = await cli(['vm', 'delete', '--force', 'm1', 'nope', 'm2']);
    expect(del.code).toBe(1);
    expect(del.stdout).toBe('m1 deleted\nm2 deleted\n');
    expect(del.stderr).toMatch(/nope/);
  }, 120_000);

  it.each([
    [['--memory', '0'], 1, /--memory 0 \(a bare number is MiB\) is less than the minimum 128M/],
    [['--memory', 'lots'], 2, /--memory "lots" is not a size/],
    [['--disk-size', '10'], 1, /^banger: --disk-size 10 \(a bare number is MiB\) is less than the minimum 256M\n {2}hint: give a unit, e.g. --disk-size 10G$/],
    [['--vcpu', '-1'], 2, /--vcpu/],
    [['--disk-size', '999T'], 1, /more than the maximum 2T/],
    [['--name', 'x'.repeat(64)], 1, /limit is 63/],
    [['--name', 'dév'], 1, /not a DNS label/],
    [['--name', 'a;rm -rf /'], 1, /not a DNS label/],
  ])('vm create %j: one-line error with a hint, exit %i, nothing written', async (args, code, message) => {
    const res = await cli(['vm', 'create', ...args]);
    expect(res.code).toBe(code);
    const lines = res.stderr.trim().split('\n');
    expect(res.stderr.trim()).toMatch(message);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(jsonData((await cli(['vm', 'list', '--json'])).stdout)).toEqual([]);
  });

  it('vm ports on a VM without a guest agent names the reason', async () => {
    expect((await cli(['vm', 'create', '--name', 'noagent'])).code).toBe(0);
    const res = await cli(['vm', 'ports', 'noagent']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^banger: .*agent/m);
    expect((await cli(['vm', 'delete', '--force', 'noagent'])).code).toBe(0);
  }, 60_000);
});
