/**
 * `vm stop --force` and `vm delete --force` through the built CLI against a
 * real bangerd whose stand-in "guest" takes 30 s to shut down: a plain stop
 * would wait it out, a forced one kills the VMM at once, and a forced stop
 * repeated while a plain one hangs cuts it short. Also: a lifecycle command
 * naming no VM changes nothing on the host (no bridge, no taps).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { jsonData } from '../../helpers/cli-json.js';

const missing = requiresNetns();

describe.skipIf(missing !== null)('vm stop --force against bangerd (stand-in with a 30 s shutdown)', () => {
  let d: NetnsDaemon;
  const cli = (args: string[], timeoutMs?: number) => d.cli(args, timeoutMs);
  const bridgeExists = () => d.netns.exec('ip', ['-o', 'link', 'show']).includes(`${d.bridge}:`);

  beforeAll(async () => {
    d = new NetnsDaemon({ extraConfig: '[standin]\nstop_delay = "30s"', netnsTag: 'force' });
    await d.start();
  }, 60_000);
  afterAll(async () => {
    await d?.cleanup();
  }, 60_000);

  it('a command about a VM that does not exist leaves the host alone', async () => {
    for (const args of [['vm', 'start', 'nope'], ['vm', 'stop', '--force', 'nope'], ['vm', 'delete', 'nope'], ['vm', 'set', 'nope', '--memory', '512']]) {
      const res = await cli(args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(/no VM named "nope"/);
    }
    // The actor system (bridge, tap pool) was never started.
    expect(bridgeExists()).toBe(false);
    expect(d.taps()).toEqual([]);
  });

  it('stop --force kills the VMM at once instead of waiting out the shutdown', async () => {
    expect((await cli(['vm', 'create', '--name', 'slow'])).code).toBe(0);
    expect(d.standinPids()).toHaveLength(1);
    // The 20 s budget is far below the stand-in's 30 s shutdown: only a kill fits in it.
    const res = await cli(['vm', 'stop', '--force', 'slow'], 20_000);
    expect(res, res.stderr).toMatchObject({ code: 0, stdout: 'slow stopped\n' });
    expect(d.standinPids()).toEqual([]);
  }, 60_000);

  it('stop --force while a plain stop hangs ends both; delete --force kills too', async () => {
    expect((await cli(['vm', 'start', 'slow'])).code).toBe(0);
    const plain = cli(['vm', 'stop', 'slow'], 25_000);
    const c = await d.client();
    for (let i = 0; i < 200 && (await c.call('vm.show', { name: 'slow' })).state !== 'stopping'; i++) await new Promise((r) => setTimeout(r, 25));
    const forced = await cli(['vm', 'stop', '--force', 'slow'], 20_000);
    expect(forced, forced.stderr).toMatchObject({ code: 0, stdout: 'slow stopped\n' });
    expect(await plain).toMatchObject({ code: 0, stdout: 'slow stopped\n' });

    expect((await cli(['vm', 'start', 'slow'])).code).toBe(0);
    const del = await cli(['vm', 'delete', '--force', 'slow'], 20_000);
    expect(del, del.stderr).toMatchObject({ code: 0, stdout: 'slow deleted\n' });
    expect(d.standinPids()).toEqual([]);
    expect(jsonData((await cli(['vm', 'list', '--json'])).stdout)).toEqual([]);
  }, 90_000);
});
