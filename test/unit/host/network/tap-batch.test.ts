import { describe, expect, it } from 'vitest';
import { createRecordingRunner, type CommandResult, type CommandRunner } from '../../../../src/host/exec/index.js';
import { createTapBatcher, failedBatchLines } from '../../../../src/host/network/index.js';

/** A recording runner answering from a function of (args, stdin). */
const fakeRunner = (answer: (args: readonly string[], input?: string) => Partial<CommandResult>) =>
  createRecordingRunner((call) => answer(call.args, call.input));

const TAG = 'banger:0123456789ab';
const spec = (name: string) => ({ name, bridge: 'br-banger', ownerUid: 1000, ownerGid: 1000, tag: TAG });
const mine = { tag: TAG, ownerUid: 1000 };
/** `ip -j -d link show` of tun devices named `names`, tagged `alias`. */
const listing = (names: string[], alias = TAG, user = 1000) => JSON.stringify(names.map((ifname) => ({ ifname, ifalias: alias, linkinfo: { info_kind: 'tun', info_data: { user } } })));
const isListing = (args: readonly string[]) => args.join(' ') === '-j -d link show';

describe('failedBatchLines', () => {
  it('reads the line numbers ip reports, ignoring the error text around them', () => {
    const stderr = 'ioctl(TUNSETIFF): Device or resource busy\nCommand failed -:2\nCannot find device "nope"\nCommand failed -:4\n';
    expect([...failedBatchLines(stderr)]).toEqual([2, 4]);
    expect(failedBatchLines('')).toEqual(new Set());
  });
});

describe('createTapBatcher', () => {
  it('coalesces creates from one tick into an add batch and an attach batch', async () => {
    const r = fakeRunner(() => ({}));
    const taps = createTapBatcher(r);
    const out = await Promise.all([taps.create(spec('bt0')), taps.create(spec('bt1')), taps.create(spec('bt2'))]);
    expect(out).toEqual([{ created: true }, { created: true }, { created: true }]);
    expect(r.calls.map((c) => c.args)).toEqual([
      ['-force', '-batch', '-'],
      ['-force', '-batch', '-'],
    ]);
    expect(r.calls[0]!.input).toBe(
      ['bt0', 'bt1', 'bt2'].map((n) => `tuntap add dev ${n} mode tap user 1000 group 1000`).join('\n') + '\n',
    );
    expect(r.calls[1]!.input).toBe(['bt0', 'bt1', 'bt2'].map((n) => `link set dev ${n} master br-banger up alias ${TAG}`).join('\n') + '\n');
  });

  it('requests arriving while a batch runs go out together in the next one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const calls: string[] = [];
    const runner: CommandRunner = {
      async run(_c, args, opts) {
        calls.push(opts?.input ?? args.join(' '));
        if (first) {
          first = false;
          await gate;
        }
        return { stdout: '', stderr: '', exitCode: 0 };
      },
    };
    const taps = createTapBatcher(runner);
    const a = taps.create(spec('bt0'));
    await new Promise((r) => setImmediate(r));
    const rest = [taps.create(spec('bt1')), taps.create(spec('bt2'))];
    release();
    await Promise.all([a, ...rest]);
    // bt0 alone (add, attach), then bt1+bt2 together (add, attach).
    expect(calls).toHaveLength(4);
    expect(calls[2]).toContain('bt1');
    expect(calls[2]).toContain('bt2');
  });

  it('a failed add line goes the single path (exists → created false) and is not attached in bulk', async () => {
    const r = fakeRunner((args, input) => {
      if (input?.startsWith('tuntap')) return { exitCode: 1, stderr: 'ioctl(TUNSETIFF): Device or resource busy\nCommand failed -:2\n' };
      // single path: optimistic add fails, then ip -j link show says it is a tun
      if (args[0] === 'tuntap') return { exitCode: 1, stderr: 'busy' };
      if (args[0] === '-j') return { stdout: listing(['bt1']) };
      return {};
    });
    const taps = createTapBatcher(r);
    const out = await Promise.all([taps.create(spec('bt0')), taps.create(spec('bt1')), taps.create(spec('bt2'))]);
    expect(out).toEqual([{ created: true }, { created: false }, { created: true }]);
    const attach = r.calls.find((c) => c.input?.startsWith('link set'));
    expect(attach?.input).toBe(`link set dev bt0 master br-banger up alias ${TAG}\nlink set dev bt2 master br-banger up alias ${TAG}\n`);
  });

  it('an exit code ip attributes to no line retries every op on its own', async () => {
    const r = fakeRunner((args, input) => (input !== undefined ? { exitCode: 1, stderr: 'something odd' } : {}));
    const taps = createTapBatcher(r);
    const out = await Promise.all([taps.create(spec('bt0')), taps.create(spec('bt1'))]);
    expect(out).toEqual([{ created: true }, { created: true }]);
    expect(r.calls.filter((c) => c.args[0] === 'tuntap')).toHaveLength(2);
  });

  it('deletes move the taps into a free link group and delete the group', async () => {
    const r = fakeRunner((args) => (isListing(args) ? { stdout: listing(['bt0', 'bt1']) } : args[0] === '-j' ? { stdout: '[{}]' } : {}));
    const taps = createTapBatcher(r);
    const out = await Promise.all([taps.delete('bt0', mine), taps.delete('bt1', mine)]);
    expect(out).toEqual([{ deleted: true }, { deleted: true }]);
    expect(r.calls[0]!.args).toEqual(['-j', '-d', 'link', 'show']);
    const group = r.calls[1]!.args[4];
    expect(r.calls[1]!.args).toEqual(['-j', 'link', 'show', 'group', group]);
    expect(r.calls[2]!.input).toBe(`link set dev bt0 group ${group}\nlink set dev bt1 group ${group}\nlink del group ${group}\n`);
  });

  it("deletes only this instance's taps: another instance's or another uid's are refused, a missing one is deleted: false", async () => {
    const r = fakeRunner((args) => {
      if (isListing(args)) return { stdout: JSON.stringify([...JSON.parse(listing(['bt0'])), ...JSON.parse(listing(['bt1'], 'banger:ffffffffffff')), ...JSON.parse(listing(['bt2'], TAG, 4242))]) };
      return args[0] === '-j' ? { stdout: '[{}]' } : {};
    });
    const taps = createTapBatcher(r);
    const out = await Promise.allSettled([taps.delete('bt0', mine), taps.delete('bt1', mine), taps.delete('bt2', mine), taps.delete('bt3', mine)]);
    expect(out[0]).toEqual({ status: 'fulfilled', value: { deleted: true } });
    expect(out[1]).toMatchObject({ status: 'rejected', reason: { code: 'tap.not_owned', message: 'tap bt1 belongs to banger instance ffffffffffff' } });
    expect(out[2]).toMatchObject({ status: 'rejected', reason: { code: 'tap.not_owned', message: 'tap bt2 belongs to uid 4242' } });
    expect(out[3]).toEqual({ status: 'fulfilled', value: { deleted: false } });
    const batch = r.calls.find((c) => c.input?.includes('link del group'));
    expect(batch?.input).toMatch(/^link set dev bt0 group \d+\nlink del group \d+\n$/);
  });

  it('a delete takes an untagged tap of its own owner (made before links were tagged), never another uid\'s', async () => {
    const untagged = (name: string, user: number) => ({ ifname: name, linkinfo: { info_kind: 'tun', info_data: { user } } });
    const r = fakeRunner((args) => (isListing(args) ? { stdout: JSON.stringify([untagged('bt0', 1000), untagged('bt1', 4242)]) } : args[0] === '-j' ? { stdout: '[{}]' } : {}));
    const taps = createTapBatcher(r);
    const out = await Promise.allSettled([taps.delete('bt0', mine), taps.delete('bt1', mine)]);
    expect(out[0]).toEqual({ status: 'fulfilled', value: { deleted: true } });
    expect(out[1]).toMatchObject({ status: 'rejected', reason: { code: 'tap.not_owned' } });
    // ...and a create never adopts one: only a delete takes it.
    const create = createTapBatcher(fakeRunner((args, input) => (input !== undefined ? { exitCode: 1, stderr: 'Command failed -:1\n' } : args[0] === 'tuntap' ? { exitCode: 1, stderr: 'busy' } : { stdout: JSON.stringify([untagged('bt0', 1000)]) })));
    await expect(create.create(spec('bt0'))).rejects.toMatchObject({ code: 'tap.not_owned' });
  });

  it('never deletes a group that already has links: picks another, or falls back to one by one', async () => {
    const r = fakeRunner((args) => {
      if (args[0] === '-j' && args[1] === 'link' && args[2] === 'show' && args[3] === 'group') return { stdout: '[{"ifname":"eth0"}]' };
      if (isListing(args)) return { stdout: listing(['bt0']) };
      if (args[0] === '-j') return { stdout: listing(['bt0']) };
      return {};
    });
    const taps = createTapBatcher(r);
    expect(await taps.delete('bt0', mine)).toEqual({ deleted: true });
    expect(r.calls.filter((c) => c.args[3] === 'group')).toHaveLength(3);
    expect(r.calls.some((c) => c.input?.includes('link del group'))).toBe(false);
    expect(r.calls.at(-1)!.args).toEqual(['link', 'del', 'dev', 'bt0']);
  });

  it('refuses names ip would tokenise differently, before anything runs', async () => {
    const r = fakeRunner(() => ({}));
    const taps = createTapBatcher(r);
    await expect(taps.create(spec('bt0 group 0'))).rejects.toThrow(/not a plain interface name/);
    await expect(taps.create({ ...spec('bt0'), bridge: 'br\nlink del dev eth0' })).rejects.toThrow(/not a plain interface name/);
    await expect(taps.delete('a'.repeat(16), mine)).rejects.toThrow(/not a plain interface name/);
    expect(r.calls).toEqual([]);
  });

  it('a batch that cannot run at all rejects each of its ops', async () => {
    const runner: CommandRunner = { run: () => Promise.reject(new Error('cannot run ip: ENOENT')) };
    const taps = createTapBatcher(runner);
    const out = await Promise.allSettled([taps.create(spec('bt0')), taps.create(spec('bt1'))]);
    expect(out.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });
});
