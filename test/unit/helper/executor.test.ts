import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessOps } from '../../../helper/index.js';
import type { HostPort } from '../../../helper/ops/index.js';
import { HelperRefusedError, HostError } from '../../../src/errors/index.js';
import { createRecordingRunner } from '../../../src/host/exec/index.js';

const silent = pino({ level: 'silent' });
const noDm: HostPort = {
  exists: () => false,
  readText: () => 'misc 200 tun\n',
  lstat: () => Promise.reject(new Error('unused')),
  chown: () => Promise.resolve(),
};

describe('in-process PrivilegedOps (validation + handlers, recorded commands)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync('/tmp/banger-unit-');
    mkdirSync(join(root, 'state'));
    symlinkSync('/etc', join(root, 'state', 'out'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const make = () => {
    const runner = createRecordingRunner((c) => (c.args.includes('show') ? { exitCode: 1, stderr: 'Device "x" does not exist.' } : {}));
    const ops = createInProcessOps({
      policy: { ownerUid: 1234, ownerGid: 1235, bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: [join(root, 'state')] },
      runner,
      host: noDm,
      logger: silent,
    });
    return { runner, ops };
  };

  it('creates a tap owned by the owner with exact argument arrays', async () => {
    const { runner, ops } = make();
    expect(await ops.call('tap.create', { name: 'bgtap3', bridge: 'br-banger' })).toEqual({ created: true });
    // Two spawns, each an `ip -batch` that concurrent creates share: the adds, then master and up.
    expect(runner.calls).toEqual([
      { cmd: 'ip', args: ['-force', '-batch', '-'], input: 'tuntap add dev bgtap3 mode tap user 1234 group 1235\n' },
      { cmd: 'ip', args: ['-force', '-batch', '-'], input: 'link set dev bgtap3 master br-banger up alias banger:uid1234\n' },
    ]);
  });

  it.each([
    ['tap.create', { name: 'eth0', bridge: 'br-banger' }, 'tap.name_invalid'],
    ['tap.create', { name: 'bgtap0', bridge: 'br-other' }, 'bridge.name_invalid'],
    ['tap.create', { name: 'bgtap0 ', bridge: 'br-banger' }, 'arg.metachar'],
    ['nat.up', { guestIP: '172.16.1.2', tap: 'bgtap0', bridge: 'br-banger' }, 'ip.outside_cidr'],
    ['nat.up', { guestIP: '172.16.0.255', tap: 'bgtap0', bridge: 'br-banger' }, 'ip.outside_cidr'],
    ['loop.attach', { path: '/etc/shadow', readOnly: true }, 'path.outside_layout'],
    ['loop.attach', { path: 'relative.img', readOnly: true }, 'path.outside_layout'],
    ['loop.detach', { device: '/dev/sda' }, 'loop.device_invalid'],
    ['dm.snapshotRemove', { name: 'root' }, 'dm.name_invalid'],
    ['resolver.route', { bridge: 'br-banger', server: '8.8.8.8:53' }, 'resolver.server_invalid'],
    ['tap.delete', { name: 'bgtap0', extra: 1 }, 'arg.schema'],
    ['no.such.op', {}, 'op.unknown'],
  ] as const)('refuses %s %j with %s and runs no command', async (op, params, code) => {
    const { runner, ops } = make();
    // Deliberately malformed calls: the whole point is what the helper does with them.
    const err = await ops.call(op as never, params as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelperRefusedError);
    expect(err).toMatchObject({ code });
    expect(runner.calls).toEqual([]);
  });

  it('refuses a path that escapes through a symlink inside the layout', async () => {
    const { runner, ops } = make();
    await expect(ops.call('loop.attach', { path: join(root, 'state', 'out', 'passwd'), readOnly: true })).rejects.toMatchObject({ code: 'path.outside_layout', message: expect.stringContaining('resolves to /etc/passwd') });
    expect(runner.calls).toEqual([]);
  });

  it('fails dm operations with a HostError naming the missing device-mapper', async () => {
    const { runner, ops } = make();
    const err = await ops.call('dm.snapshotRemove', { name: 'banger-abc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect(err).toMatchObject({ code: 'dm.unavailable', hint: expect.stringContaining('QEMU') });
    expect(runner.calls).toEqual([]);
  });
});
