import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelperClient, type HelperClient, type HelperOpName } from '../../../helper/index.js';
import { HOSTS_MAX_ENTRIES } from '../../../src/model/helper-ops.js';
import { HelperRefusedError } from '../../../src/errors/index.js';
import { buildDist, REPO_ROOT } from '../../helpers/build.js';
import { gated, requiresNetns } from '../../helpers/host-caps.js';
import { createTestNetns, type TestNetns } from '../../helpers/netns.js';
import { createTestUser, type TestUser } from '../../helpers/users.js';

const missing = requiresNetns();

interface CallOutcome {
  ok: boolean;
  uid: number;
  result?: unknown;
  error?: { name: string; kind: string; code: string; message: string };
}

describe.skipIf(missing !== null)(gated('banger-helper as a real process on a real socket', missing), () => {
  let ns: TestNetns;
  let owner: TestUser;
  let stranger: TestUser;
  let tmp: string;
  let socketPath: string;
  let stateDir: string;
  let helper: ChildProcess;
  let helperLog = '';
  let client: HelperClient;
  let tunBefore = '';
  const token = randomBytes(24).toString('hex');
  const tunAcl = () => execFileSync('getfacl', ['-cn', '/dev/net/tun'], { encoding: 'utf8', stdio: 'pipe' });

  /** Everything a refused call could have touched: links and rules in the netns, host loops, both hosts files. */
  const snapshot = () => ({
    // Names, kinds and masters only: carrier flags and operstate settle asynchronously after an
    // earlier test's tap went away, and are not something a refused call could change.
    links: ns
      .exec('ip', ['-o', 'link', 'show'])
      .split('\n')
      .map((l) => l.replace(/^\d+: /, '').replace(/<[^>]*>/, '').replace(/\b(state|qdisc|mtu|qlen|mode|group) \S+/g, '').replace(/\s+/g, ' ').trim())
      .join('\n'),
    rules: ns.exec('iptables-save', []).split('\n').filter((l) => l.startsWith('-A')).join('\n'),
    loops: execFileSync('losetup', ['-a'], { encoding: 'utf8' }),
    nsHosts: readFileSync(ns.hostsFile, 'utf8'),
    hostHosts: readFileSync('/etc/hosts', 'utf8'),
  });

  const callAs = (user: TestUser | null, op: string, params: object, tok?: string): CallOutcome => {
    const out = execFileSync(
      process.execPath,
      [join(REPO_ROOT, 'test/fixtures/helper-call.mjs'), join(REPO_ROOT, 'dist/helper/client.js'), socketPath, op, JSON.stringify(params), ...(tok ? [tok] : [])],
      { encoding: 'utf8', timeout: 20_000, ...(user ? { uid: user.uid, gid: user.gid } : {}) },
    );
    return JSON.parse(out) as CallOutcome;
  };

  const expectRefused = async (op: HelperOpName, params: object, code: string) => {
    const before = snapshot();
    // Generic over ops: the test feeds deliberately wrong params through the typed client.
    const err = await client.call(op, params as never).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HelperRefusedError);
    expect((err as HelperRefusedError).code).toBe(code);
    expect((err as HelperRefusedError).hint).toBeTruthy();
    expect(snapshot()).toEqual(before);
  };

  beforeAll(async () => {
    buildDist();
    tunBefore = tunAcl();
    ns = createTestNetns('test');
    owner = createTestUser('o');
    stranger = createTestUser('x');
    tmp = mkdtempSync('/tmp/banger-helper-it-');
    chmodSync(tmp, 0o755);
    stateDir = join(tmp, 'state');
    for (const d of ['state', 'runtime', 'cache', 'run']) mkdirSync(join(tmp, d), { mode: 0o755 });
    socketPath = join(tmp, 'run', 'helper.sock');
    const tokenFile = join(tmp, 'helper.token');
    writeFileSync(tokenFile, token, { mode: 0o600 });
    chownSync(tokenFile, owner.uid, owner.gid);

    helper = spawn(
      'ip',
      [
        'netns', 'exec', ns.name, process.execPath, join(REPO_ROOT, 'dist/helper/main.js'),
        '--owner-uid', String(owner.uid), '--owner-gid', String(owner.gid),
        '--root', stateDir, '--root', join(tmp, 'runtime'), '--root', join(tmp, 'cache'),
        '--socket', socketPath, '--token-file', tokenFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    helper.stderr?.setEncoding('utf8').on('data', (d: string) => (helperLog += d));
    const deadline = Date.now() + 15_000;
    while (!existsSync(socketPath) || !helperLog.includes('helper listening')) {
      if (Date.now() > deadline || helper.exitCode !== null) throw new Error(`helper did not start:\n${helperLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    client = createHelperClient(socketPath, { token, timeoutMs: 20_000, instance: '0123456789ab' });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    if (helper && helper.exitCode === null) {
      // Its SIGTERM handler takes back the /dev/net/tun entry: wait for it before the user goes.
      const exited = new Promise((r) => helper.once('exit', r));
      helper.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    ns?.delete();
    owner?.remove();
    stranger?.remove();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('serves the owner: bridge, tap and NAT through the socket, logged with caller and outcome', { timeout: 30_000 }, async () => {
    // /dev/net/tun is root-only here: the helper gave the owner (and only the owner) an ACL entry.
    expect(await client.call('helper.ping', {})).toMatchObject({ uid: 0, ownerUid: owner.uid, tun: 'granted' });
    expect(tunAcl()).toContain(`user:${owner.uid}:rw-`);
    expect(tunAcl()).not.toContain(`user:${stranger.uid}:`);
    expect(await client.call('bridge.ensure', { name: 'br-banger', address: '172.16.0.1/24' })).toEqual({ created: true });
    expect(await client.call('tap.create', { name: 'bgtap0', bridge: 'br-banger' })).toEqual({ created: true });
    // Both carry this instance's tag; the tap belongs to the owner.
    expect(ns.exec('cat', ['/sys/class/net/bgtap0/ifalias', '/sys/class/net/br-banger/ifalias', '/sys/class/net/bgtap0/owner'])).toBe(`banger:0123456789ab\nbanger:0123456789ab\n${owner.uid}\n`);
    const forwardBefore = ns.exec('sysctl', ['-n', 'net.ipv4.ip_forward']).trim();
    expect(await client.call('nat.up', { guestIP: '172.16.0.2', tap: 'bgtap0', bridge: 'br-banger' })).toEqual({ added: 3, ipForwardEnabled: forwardBefore === '0' });
    expect(ns.exec('sysctl', ['-n', 'net.ipv4.ip_forward']).trim()).toBe('1');
    expect(await client.call('nat.up', { guestIP: '172.16.0.2', tap: 'bgtap0', bridge: 'br-banger' })).toEqual({ added: 0, ipForwardEnabled: false });
    expect(await client.call('nat.down', { guestIP: '172.16.0.2', tap: 'bgtap0', bridge: 'br-banger' })).toEqual({ removed: 3 });
    expect(await client.call('tap.delete', { name: 'bgtap0' })).toEqual({ deleted: true });
    expect(ns.exec('iptables-save', [])).not.toContain('banger:');
    // Forwarding stays on after the last NAT rule (as with docker and libvirt).
    expect(ns.exec('sysctl', ['-n', 'net.ipv4.ip_forward']).trim()).toBe('1');

    const lines = helperLog.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const natLog = lines.find((l) => l.op === 'nat.up' && l.outcome === 'ok');
    expect(natLog).toMatchObject({ callerUid: owner.uid, params: { guestIP: '172.16.0.2' } });
    expect(typeof natLog?.durationMs).toBe('number');
  });

  it("serves the DNS redirect and the hosts block: the namespace's own hosts file (a bind mount) is edited in place and comes back byte for byte", { timeout: 30_000 }, async () => {
    const hostBefore = readFileSync('/etc/hosts', 'utf8');
    const nsBefore = readFileSync(ns.hostsFile, 'utf8');
    expect(await client.call('dns.redirect', { bridge: 'br-banger', port: 5353 })).toEqual({ added: 1 });
    expect(await client.call('dns.redirect', { bridge: 'br-banger', port: 5353 })).toEqual({ added: 0 });
    const nat = ns.exec('iptables-save', ['-t', 'nat']);
    expect(nat).toMatch(/-A PREROUTING -d 172\.16\.0\.1\/32 -i br-banger -p udp -m udp --dport 53 -m comment --comment "?banger:dns:br-banger"? -j REDIRECT --to-ports 5353/);
    expect(await client.call('dns.unredirect', { bridge: 'br-banger' })).toEqual({ removed: 1 });
    expect(ns.exec('iptables-save', [])).not.toContain('banger:');

    const entries = [{ name: 'dev.vm', ip: '172.16.0.2' }, { name: 'web-1.vm', ip: '172.16.0.3' }];
    expect(await client.call('hosts.sync', { instance: 'a1b2c3d4e5f6', entries })).toEqual({ changed: true, mode: 'in-place' });
    expect(readFileSync(ns.hostsFile, 'utf8')).toBe(`${nsBefore}# >>> banger a1b2c3d4e5f6 >>>\n172.16.0.2 dev.vm\n172.16.0.3 web-1.vm\n# <<< banger a1b2c3d4e5f6 <<<\n`);
    // What a process in the namespace resolves.
    expect(ns.exec('getent', ['hosts', 'web-1.vm'])).toMatch(/^172\.16\.0\.3\s+web-1\.vm/);
    expect(await client.call('hosts.sync', { instance: 'a1b2c3d4e5f6', entries })).toEqual({ changed: false, mode: 'none' });
    expect(await client.call('hosts.sync', { instance: 'a1b2c3d4e5f6', entries: [] })).toEqual({ changed: true, mode: 'in-place' });
    expect(readFileSync(ns.hostsFile, 'utf8')).toBe(nsBefore);
    expect(readFileSync('/etc/hosts', 'utf8')).toBe(hostBefore);
    const lines = helperLog.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.op === 'hosts.sync' && l.outcome === 'ok')).toMatchObject({ callerUid: owner.uid, params: { instance: 'a1b2c3d4e5f6' } });
  });

  it('refuses bad DNS redirects and hosts entries (name pattern, CIDR, bridge, port range, list size), changing nothing', { timeout: 30_000 }, async () => {
    await expectRefused('dns.redirect', { bridge: 'br-other', port: 5353 }, 'bridge.name_invalid');
    await expectRefused('dns.redirect', { bridge: 'br-banger', port: 53 }, 'dns.port_invalid');
    await expectRefused('dns.redirect', { bridge: 'br-banger', port: 70000 }, 'dns.port_invalid');
    await expectRefused('dns.unredirect', { bridge: 'docker0' }, 'bridge.name_invalid');
    await expectRefused('hosts.sync', { instance: '../../etc', entries: [] }, 'hosts.instance_invalid');
    await expectRefused('hosts.sync', { instance: 'nothex000000', entries: [] }, 'hosts.instance_invalid');
    await expectRefused('hosts.sync', { instance: 'a1b2c3d4e5f6', entries: [{ name: 'localhost', ip: '172.16.0.2' }] }, 'hosts.name_invalid');
    await expectRefused('hosts.sync', { instance: 'a1b2c3d4e5f6', entries: [{ name: 'github.com', ip: '172.16.0.2' }] }, 'hosts.name_invalid');
    await expectRefused('hosts.sync', { instance: 'a1b2c3d4e5f6', entries: [{ name: 'dev.vm', ip: '140.82.112.3' }] }, 'ip.outside_cidr');
    await expectRefused('hosts.sync', { instance: 'a1b2c3d4e5f6', entries: [{ name: 'dev.vm', ip: '172.16.0.1' }] }, 'ip.outside_cidr');
    await expectRefused('hosts.sync', { instance: 'a1b2c3d4e5f6', entries: [{ name: 'dev.vm\n1.2.3.4 github.com', ip: '172.16.0.2' }] }, 'arg.metachar');
    const many = Array.from({ length: HOSTS_MAX_ENTRIES + 1 }, (_, i) => ({ name: `vm${i}.vm`, ip: `172.16.0.${(i % 250) + 2}` }));
    await expectRefused('hosts.sync', { instance: 'a1b2c3d4e5f6', entries: many }, 'arg.schema');
  });

  it('refuses a tap name outside the prefix, changing nothing', { timeout: 20_000 }, async () => {
    await expectRefused('tap.create', { name: 'eth9', bridge: 'br-banger' }, 'tap.name_invalid');
    await expectRefused('tap.delete', { name: 'bgother0' }, 'tap.name_invalid');
  });

  it('refuses a path outside the layout, directly and through a symlink', { timeout: 20_000 }, async () => {
    await expectRefused('loop.attach', { path: '/etc/passwd', readOnly: true }, 'path.outside_layout');
    await expectRefused('loop.attach', { path: `${stateDir}/../../etc/passwd`, readOnly: true }, 'path.outside_layout');
    symlinkSync('/etc', join(stateDir, 'escape'));
    await expectRefused('loop.attach', { path: join(stateDir, 'escape', 'passwd'), readOnly: true }, 'path.outside_layout');
    // A file that does not exist yet behind a symlinked parent is refused too.
    await expectRefused('loop.attach', { path: join(stateDir, 'escape', 'new.img'), readOnly: false }, 'path.outside_layout');
  });

  it('refuses an IP outside the CIDR', { timeout: 20_000 }, async () => {
    await expectRefused('nat.up', { guestIP: '10.0.0.5', tap: 'bgtap0', bridge: 'br-banger' }, 'ip.outside_cidr');
    await expectRefused('nat.up', { guestIP: '172.16.0.1', tap: 'bgtap0', bridge: 'br-banger' }, 'ip.outside_cidr');
    await expectRefused('bridge.ensure', { name: 'br-banger', address: '10.1.0.1/16' }, 'ip.outside_cidr');
  });

  it('refuses arguments carrying shell metacharacters', { timeout: 20_000 }, async () => {
    await expectRefused('tap.create', { name: 'bgtap0;reboot', bridge: 'br-banger' }, 'arg.metachar');
    await expectRefused('loop.attach', { path: `${stateDir}/$(id).img`, readOnly: false }, 'arg.metachar');
    await expectRefused('nat.down', { guestIP: '172.16.0.2`x`', tap: 'bgtap0', bridge: 'br-banger' }, 'arg.metachar');
  });

  it('refuses a call from another real user; serves the owner user', { timeout: 30_000 }, async () => {
    const before = snapshot();
    const denied = callAs(stranger, 'tap.create', { name: 'bgtap7', bridge: 'br-banger' }, token);
    expect(denied).toMatchObject({ ok: false, uid: stranger.uid, error: { kind: 'helper_refused', code: 'caller.not_owner' } });
    expect(snapshot()).toEqual(before);

    const served = callAs(owner, 'helper.ping', {}, token);
    expect(served).toMatchObject({ ok: true, uid: owner.uid, result: { ownerUid: owner.uid } });
  });

  it('with the socket mode misconfigured, a stranger without the token is still refused', { timeout: 30_000 }, async () => {
    chmodSync(socketPath, 0o666);
    try {
      const before = snapshot();
      const noToken = callAs(stranger, 'tap.create', { name: 'bgtap7', bridge: 'br-banger' });
      expect(noToken).toMatchObject({ ok: false, error: { kind: 'helper_refused', code: 'caller.not_owner' } });
      const wrongToken = callAs(stranger, 'tap.create', { name: 'bgtap7', bridge: 'br-banger' }, 'x'.repeat(48));
      expect(wrongToken).toMatchObject({ ok: false, error: { kind: 'helper_refused', code: 'caller.not_owner' } });
      expect(snapshot()).toEqual(before);
    } finally {
      chmodSync(socketPath, 0o600);
    }
  });

  it("refuses another instance's or another uid's tap, changing nothing", { timeout: 30_000 }, async () => {
    await client.call('bridge.ensure', { name: 'br-banger', address: '172.16.0.1/24' });
    // A tap of another banger instance (same prefix), and one of another uid carrying our tag.
    ns.exec('ip', ['tuntap', 'add', 'dev', 'bgtap5', 'mode', 'tap', 'user', String(owner.uid)]);
    ns.exec('ip', ['link', 'set', 'dev', 'bgtap5', 'alias', 'banger:ffffffffffff']);
    ns.exec('ip', ['tuntap', 'add', 'dev', 'bgtap6', 'mode', 'tap', 'user', String(stranger.uid)]);
    ns.exec('ip', ['link', 'set', 'dev', 'bgtap6', 'alias', 'banger:0123456789ab']);
    const before = snapshot();
    for (const [op, params, message] of [
      ['tap.delete', { name: 'bgtap5' }, 'tap bgtap5 belongs to banger instance ffffffffffff'],
      ['tap.create', { name: 'bgtap5', bridge: 'br-banger' }, 'tap bgtap5 belongs to banger instance ffffffffffff'],
      ['tap.delete', { name: 'bgtap6' }, `tap bgtap6 belongs to user ${stranger.name}`],
    ] as const) {
      const err = await client.call(op, params as never).then((r) => r, (e: unknown) => e);
      expect(err, `${op} ${JSON.stringify(params)}: ${JSON.stringify(err)}\n${helperLog.split('\n').slice(-4).join('\n')}`).toMatchObject({ code: 'tap.not_owned', message });
    }
    expect(snapshot()).toEqual(before);
    ns.exec('ip', ['link', 'del', 'dev', 'bgtap5']);
    ns.exec('ip', ['link', 'del', 'dev', 'bgtap6']);
  });

  it('refuses a hello naming a malformed instance', { timeout: 20_000 }, async () => {
    const bad = createHelperClient(socketPath, { token, timeoutMs: 20_000, instance: '../../etc' });
    try {
      const err = await bad.call('helper.ping', {}).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(HelperRefusedError);
      expect((err as HelperRefusedError).code).toBe('arg.schema');
    } finally {
      bad.close();
    }
  });

  it('stopping the helper takes its /dev/net/tun entry back, leaving the ACL as it was', { timeout: 20_000 }, async () => {
    const exited = new Promise((r) => helper.once('exit', r));
    helper.kill('SIGTERM');
    await exited;
    expect(tunAcl()).toBe(tunBefore);
  });
});
