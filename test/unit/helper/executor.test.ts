import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessOps } from '../../../helper/index.js';
import { HOSTS_MAX_ENTRIES } from '../../../src/model/helper-ops.js';
import type { HostPort } from '../../../helper/ops/index.js';
import { HelperRefusedError, HostError } from '../../../src/errors/index.js';
import { createRecordingRunner } from '../../../src/host/exec/index.js';

const silent = pino({ level: 'silent' });
const noDm: HostPort = {
  exists: () => false,
  readText: () => 'misc 200 tun\n',
};

describe('in-process PrivilegedOps (validation + handlers, recorded commands)', () => {
  let root: string;
  const HOSTS = '127.0.0.1 localhost\n';
  const hostsFile = () => join(root, 'hosts');
  beforeAll(() => {
    root = mkdtempSync('/tmp/banger-unit-');
    mkdirSync(join(root, 'state'));
    symlinkSync('/etc', join(root, 'state', 'out'));
    writeFileSync(hostsFile(), HOSTS);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const make = (reply?: Parameters<typeof createRecordingRunner>[0]) => {
    const runner = createRecordingRunner(reply ?? ((c) => (c.args.includes('show') ? { exitCode: 1, stderr: 'Device "x" does not exist.' } : {})));
    const ops = createInProcessOps({
      // The hosts file is the policy's: a temp file here, never the real /etc/hosts.
      policy: { ownerUid: 1234, ownerGid: 1235, bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24', roots: [join(root, 'state')], hostsFile: hostsFile() },
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
    ['dns.redirect', { bridge: 'br-other', port: 5353 }, 'bridge.name_invalid'],
    ['dns.redirect', { bridge: 'eth0', port: 5353 }, 'bridge.name_invalid'],
    ['dns.redirect', { bridge: 'br-banger', port: 53 }, 'dns.port_invalid'],
    ['dns.redirect', { bridge: 'br-banger', port: 1023 }, 'dns.port_invalid'],
    ['dns.redirect', { bridge: 'br-banger', port: 65536 }, 'dns.port_invalid'],
    ['dns.redirect', { bridge: 'br-banger', port: 0 }, 'dns.port_invalid'],
    ['dns.redirect', { bridge: 'br-banger', port: 5353.5 }, 'arg.schema'],
    ['dns.redirect', { bridge: 'br-banger', port: '5353' }, 'arg.schema'],
    ['dns.unredirect', { bridge: 'br-other' }, 'bridge.name_invalid'],
    ['hosts.sync', { instance: 'xyz', entries: [] }, 'hosts.instance_invalid'],
    ['hosts.sync', { instance: '0123456789AB', entries: [] }, 'hosts.instance_invalid'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'localhost', ip: '172.16.0.2' }] }, 'hosts.name_invalid'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'www.example.com', ip: '172.16.0.2' }] }, 'hosts.name_invalid'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'a.b.vm', ip: '172.16.0.2' }] }, 'hosts.name_invalid'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'Dev.vm', ip: '172.16.0.2' }] }, 'hosts.name_invalid'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: '-dev.vm', ip: '172.16.0.2' }] }, 'hosts.name_invalid'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: '.vm', ip: '172.16.0.2' }] }, 'hosts.name_invalid'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: `${'a'.repeat(64)}.vm`, ip: '172.16.0.2' }] }, 'hosts.name_invalid'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'dev.vm', ip: '172.16.0.2' }, { name: 'dev.vm', ip: '172.16.0.3' }] }, 'hosts.name_invalid'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'dev.vm', ip: '10.0.0.2' }] }, 'ip.outside_cidr'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'dev.vm', ip: '172.16.0.1' }] }, 'ip.outside_cidr'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'dev.vm\n10.0.0.1 evil', ip: '172.16.0.2' }] }, 'arg.metachar'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'dev.vm', ip: '172.16.0.2', path: '/etc/passwd' }] }, 'arg.schema'],
    ['hosts.sync', { instance: '0123456789ab', entries: [{ name: 'dev.vm', ip: '172.16.0.2' }], path: '/etc/passwd' }, 'arg.schema'],
    [
      'hosts.sync',
      { instance: '0123456789ab', entries: Array.from({ length: HOSTS_MAX_ENTRIES + 1 }, (_, i) => ({ name: `vm${i}.vm`, ip: `172.16.${Math.floor(i / 250)}.${(i % 250) + 2}` })) },
      'arg.schema',
    ],
  ] as const)('refuses %s %j with %s, runs no command and leaves the hosts file alone', async (op, params, code) => {
    const { runner, ops } = make();
    // Deliberately malformed calls: the whole point is what the helper does with them.
    const err = await ops.call(op as never, params as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelperRefusedError);
    expect(err).toMatchObject({ code });
    expect((err as HelperRefusedError).hint).toBeTruthy();
    expect(runner.calls).toEqual([]);
    expect(readFileSync(hostsFile(), 'utf8')).toBe(HOSTS);
  });

  it('nat.up turns ip_forward on when it is off, says so, and leaves it alone when it is on', async () => {
    let forward = '0';
    const { runner, ops } = make((c) => {
      if (c.cmd === 'sysctl' && c.args[0] === '-n') return { stdout: `${forward}\n` };
      if (c.cmd === 'sysctl') forward = '1';
      return c.args.includes('-C') ? { exitCode: 1 } : {};
    });
    expect(await ops.call('nat.up', { guestIP: '172.16.0.2', tap: 'bgtap0', bridge: 'br-banger' })).toEqual({ added: 3, ipForwardEnabled: true });
    expect(runner.calls.filter((c) => c.cmd === 'sysctl').map((c) => c.args.join(' '))).toEqual(['-n net.ipv4.ip_forward', '-q -w net.ipv4.ip_forward=1']);
    runner.calls.length = 0;
    expect(await ops.call('nat.up', { guestIP: '172.16.0.3', tap: 'bgtap1', bridge: 'br-banger' })).toEqual({ added: 3, ipForwardEnabled: false });
    expect(runner.calls.filter((c) => c.cmd === 'sysctl').map((c) => c.args.join(' '))).toEqual(['-n net.ipv4.ip_forward']);
    // nat.down never turns it off again (as docker and libvirt).
    runner.calls.length = 0;
    await ops.call('nat.down', { guestIP: '172.16.0.2', tap: 'bgtap0', bridge: 'br-banger' });
    expect(runner.calls.some((c) => c.cmd === 'sysctl')).toBe(false);
  });

  it("dns.redirect points the policy's bridge address at the port", async () => {
    const { runner, ops } = make((c) => (c.args.includes('-C') ? { exitCode: 1 } : {}));
    expect(await ops.call('dns.redirect', { bridge: 'br-banger', port: 5353 })).toEqual({ added: 1 });
    expect(runner.calls.find((c) => c.args.includes('-A'))?.args).toEqual([
      '-w', '5', '-t', 'nat', '-A', 'PREROUTING', '-i', 'br-banger', '-d', '172.16.0.1/32', '-p', 'udp', '--dport', '53',
      '-m', 'comment', '--comment', 'banger:dns:br-banger', '-j', 'REDIRECT', '--to-ports', '5353',
    ]);
  });

  it("hosts.sync edits only the policy's hosts file and gives it back byte for byte", async () => {
    const { runner, ops } = make();
    expect(await ops.call('hosts.sync', { instance: '0123456789ab', entries: [{ name: 'dev.vm', ip: '172.16.0.2' }] })).toEqual({ changed: true, mode: 'rename' });
    expect(readFileSync(hostsFile(), 'utf8')).toBe(`${HOSTS}# >>> banger 0123456789ab >>>\n172.16.0.2 dev.vm\n# <<< banger 0123456789ab <<<\n`);
    expect(await ops.call('hosts.sync', { instance: '0123456789ab', entries: [] })).toEqual({ changed: true, mode: 'rename' });
    expect(readFileSync(hostsFile(), 'utf8')).toBe(HOSTS);
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
