import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../../src/guest/agent-client.js';
import { guestIdentity } from '../../../src/guest/identity.js';
import { agentScriptPath } from '../../../src/images/assets.js';

/**
 * The identity method of the real agent script, run with `--once` (and once
 * behind a socket with `--stdio`) against a temp BANGER_AGENT_ROOT. The
 * commands it runs are stand-ins in BANGER_AGENT_BIN that log their argv,
 * print noise on stdout (which must not reach the protocol) and drain stdin.
 * A "trap" directory first on PATH holds same-named commands that log
 * UNWRAPPED: a command run without the BIN wrapper would reach them under
 * sh (under busybox sh it would reach the real applet, so the busybox suite
 * checks for this under sh first).
 */

const SCRIPT = agentScriptPath();
const STUBS = ['ip', 'hostname', 'date', 'kill', 'ssh-keygen', 'systemctl', 'perl'];
const SH = ['sh'];
const BUSYBOX = existsSync('/bin/busybox') ? ['/bin/busybox', 'sh'] : undefined;

const STUB = `#!/bin/sh
name=\${0##*/}
{ printf '%s' "$name"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >>"$LOG"
cat >/dev/null
echo "$name: noise on stdout"
case " $STUB_FAIL " in
*" $name "*) echo "RTNETLINK answers: Operation not permitted" >&2; exit 1 ;;
esac
case $name in
kill) for a in "$@"; do last=$a; done; rm -rf "$BANGER_AGENT_ROOT/proc/$last" ;;
ssh-keygen) while [ $# -gt 0 ]; do [ "$1" = -f ] && { echo new-private >"$2"; echo new-public >"$2.pub"; }; shift; done ;;
esac
exit 0
`;

const TRAP = `#!/bin/sh
printf 'UNWRAPPED %s\\n' "\${0##*/}" >>"$LOG"
exit 97
`;

type SshKind = 'dropbear' | 'openssh' | 'none';

interface RigOptions {
  ssh?: SshKind;
  systemd?: boolean;
  perl?: boolean;
  /** banger's own reseed tool (banger-reseed) in the image. */
  reseedTool?: boolean;
}

interface Rig {
  dir: string;
  root: string;
  bin: string;
  log: string;
}

const VALID = {
  ip: '172.16.0.5',
  prefix: 24,
  gateway: '172.16.0.1',
  dns: '172.16.0.1',
  mac: '06:00:ac:10:00:05',
  hostname: 'dev-2',
  seed: 'ab'.repeat(64),
  time: 1764720000,
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function write(path: string, text: string, mode?: number): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  if (mode !== undefined) chmodSync(path, mode);
}

/** A fake /proc/PID with comm and stat (ppid is stat's 4th field). */
function proc(root: string, pid: number, comm: string, ppid: number): void {
  write(join(root, 'proc', String(pid), 'comm'), `${comm}\n`);
  write(join(root, 'proc', String(pid), 'stat'), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 0 0\n`);
}

function makeRig(o: RigOptions = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'banger-identity-'));
  dirs.push(dir);
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  const trap = join(dir, 'trap');
  for (const d of ['dev', 'etc', 'run', 'usr/sbin']) mkdirSync(join(root, d), { recursive: true });
  for (const name of STUBS) {
    if (name === 'perl' && o.perl === false) continue;
    write(join(bin, name), STUB, 0o755);
  }
  if (o.reseedTool) write(join(bin, 'banger-reseed'), STUB, 0o755);
  for (const name of STUBS) write(join(trap, name), TRAP, 0o755);
  write(join(root, 'etc', 'hostname'), 'old-1\n');
  write(join(root, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\told-1.vm old-1\n10.0.0.9 old-10\n# old-1 stays in comments\n');
  write(join(root, 'run', 'resolver', 'stub.conf'), 'nameserver 127.0.0.53\n');
  symlinkSync('../run/resolver/stub.conf', join(root, 'etc', 'resolv.conf'));
  proc(root, 1, 'init', 0);
  proc(root, 77, 'banger-agent', 1);
  if (o.ssh === 'dropbear') {
    write(join(root, 'usr', 'sbin', 'dropbear'), '', 0o755);
    for (const k of ['rsa', 'ecdsa', 'ed25519']) write(join(root, 'etc', 'dropbear', `dropbear_${k}_host_key`), 'old');
    write(join(root, 'etc', 'dropbear', 'keep-me'), 'not a host key');
    proc(root, 300, 'dropbear', 1); // the listener, respawned by init
    proc(root, 301, 'dropbear', 300); // a connection: left alone
  }
  if (o.ssh === 'openssh') {
    write(join(root, 'usr', 'sbin', 'sshd'), '', 0o755);
    for (const k of ['rsa', 'ecdsa', 'ed25519']) {
      write(join(root, 'etc', 'ssh', `ssh_host_${k}_key`), 'old');
      write(join(root, 'etc', 'ssh', `ssh_host_${k}_key.pub`), 'old');
    }
    write(join(root, 'etc', 'ssh', 'sshd_config'), '# kept\n');
    if (o.systemd) mkdirSync(join(root, 'run', 'systemd', 'system'), { recursive: true });
    proc(root, 400, 'sshd', 1);
    proc(root, 401, 'sshd', 400);
  }
  return { dir, root, bin, log: join(dir, 'log') };
}

function rigEnv(r: Rig, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${join(r.dir, 'trap')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    BANGER_AGENT_ROOT: r.root,
    BANGER_AGENT_BIN: r.bin,
    LOG: r.log,
    ...extra,
  };
}

interface Reply {
  id: number | null;
  ok: boolean;
  result?: { hostname: string; ip: string; hostKeys: SshKind; reseeded: boolean };
  error?: string;
}

function runOnce(r: Rig, line: string, shell = SH, extra: Record<string, string> = {}): { reply: Reply; stdout: string } {
  const p = spawnSync(shell[0]!, [...shell.slice(1), SCRIPT, '--once', line], { env: rigEnv(r, extra), encoding: 'utf8', timeout: 20_000 });
  if (p.error) throw p.error;
  // stdout is the protocol: exactly one JSON line, whatever the commands printed.
  expect(p.stdout.endsWith('\n')).toBe(true);
  expect(p.stdout.trimEnd().split('\n')).toHaveLength(1);
  return { reply: JSON.parse(p.stdout) as Reply, stdout: p.stdout };
}

function request(params: Record<string, unknown>, id = 7): string {
  return JSON.stringify({ id, method: 'identity', params });
}

/** The logged commands, each as [name, ...argv]. */
function calls(r: Rig): string[][] {
  if (!existsSync(r.log)) return [];
  return readFileSync(r.log, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
}

const PERL_RESEED = ['perl', '-e', 'open(my $f, "<", $ARGV[0]) or exit 1; ioctl($f, 0x5207, 0) or exit 1'];
const NETWORK = [
  ['ip', 'link', 'set', 'eth0', 'down'],
  ['ip', 'link', 'set', 'eth0', 'address', '06:00:ac:10:00:05'],
  ['ip', 'addr', 'flush', 'dev', 'eth0'],
  ['ip', 'addr', 'add', '172.16.0.5/24', 'dev', 'eth0'],
  ['ip', 'link', 'set', 'eth0', 'up'],
  ['ip', 'route', 'replace', 'default', 'via', '172.16.0.1'],
];

function expectedCalls(r: Rig, ssh: string[][]): string[][] {
  return [
    [...PERL_RESEED, join(r.root, 'dev', 'urandom')],
    ['date', '-u', '-s', '@1764720000'],
    ...ssh,
    ...NETWORK,
    ['hostname', 'dev-2'],
  ];
}

function shells(): [string, string[]][] {
  return BUSYBOX ? [['sh', SH], ['busybox sh', BUSYBOX]] : [['sh', SH]];
}

/** The guard: run under sh (where PATH wins), no system command may bypass BANGER_AGENT_BIN. */
function assertAllWrapped(): void {
  for (const o of [{ ssh: 'dropbear' as const }, { ssh: 'openssh' as const, systemd: true }, { ssh: 'openssh' as const }]) {
    const r = makeRig(o);
    runOnce(r, request(VALID));
    const unwrapped = calls(r).filter((c) => c[0]!.startsWith('UNWRAPPED'));
    if (unwrapped.length) throw new Error(`the agent ran commands outside BANGER_AGENT_BIN: ${JSON.stringify(unwrapped)}; not running it under busybox (its applets would act on this host)`);
  }
}

describe('agent identity under sh', () => {
  it('runs every system command through BANGER_AGENT_BIN', () => {
    expect(assertAllWrapped).not.toThrow();
  });
});

for (const [label, shell] of shells()) {
  describe(`agent identity (${label})`, () => {
    beforeAll(() => {
      // Under busybox, a command that bypassed the wrapper would be the real applet.
      if (shell === BUSYBOX) assertAllWrapped();
    });

    it('dropbear: seed, clock, host keys (listener killed, connections kept), network, hostname, in that order', () => {
      const r = makeRig({ ssh: 'dropbear' });
      const { reply } = runOnce(r, request(VALID), shell);
      expect(reply).toEqual({ id: 7, ok: true, result: { hostname: 'dev-2', ip: '172.16.0.5', hostKeys: 'dropbear', reseeded: true } });
      expect(calls(r)).toEqual(expectedCalls(r, [['kill', '300']]));
      expect(readdirSync(join(r.root, 'etc', 'dropbear'))).toEqual(['keep-me']);
      expect(existsSync(join(r.root, 'proc', '301'))).toBe(true);
    });

    it('openssh under systemd: only an ed25519 key, then a reload (the restart would run ssh-keygen -A)', () => {
      const r = makeRig({ ssh: 'openssh', systemd: true });
      const { reply } = runOnce(r, request(VALID), shell);
      expect(reply.result).toEqual({ hostname: 'dev-2', ip: '172.16.0.5', hostKeys: 'openssh', reseeded: true });
      const key = join(r.root, 'etc', 'ssh', 'ssh_host_ed25519_key');
      expect(calls(r)).toEqual(expectedCalls(r, [
        ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'root@dev-2', '-f', key],
        ['systemctl', 'reload-or-restart', 'ssh.service'],
      ]));
      expect(readdirSync(join(r.root, 'etc', 'ssh')).sort()).toEqual(['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub', 'sshd_config']);
      expect(readFileSync(key, 'utf8')).toBe('new-private\n');
    });

    it('openssh without systemd: SIGHUP to the listening sshd only', () => {
      const r = makeRig({ ssh: 'openssh' });
      const { reply } = runOnce(r, request(VALID), shell);
      expect(reply.result?.hostKeys).toBe('openssh');
      const ssh = calls(r).filter((c) => c[0] === 'kill' || c[0] === 'systemctl' || c[0] === 'ssh-keygen').map((c) => c[0] === 'ssh-keygen' ? c[0] : c.join(' '));
      expect(ssh).toEqual(['ssh-keygen', 'kill -HUP 400']);
    });

    it('no SSH server: hostKeys none; no perl: reseeded false', () => {
      const r = makeRig({ perl: false });
      const { reply } = runOnce(r, request(VALID), shell);
      expect(reply.result).toEqual({ hostname: 'dev-2', ip: '172.16.0.5', hostKeys: 'none', reseeded: false });
      expect(calls(r)).toEqual([['date', '-u', '-s', '@1764720000'], ...NETWORK, ['hostname', 'dev-2']]);
    });

    it('banger-reseed, when the image has it, reseeds instead of perl', () => {
      const r = makeRig({ perl: false, reseedTool: true });
      const { reply } = runOnce(r, request(VALID), shell);
      expect(reply.result?.reseeded).toBe(true);
      expect(calls(r)[0]).toEqual(['banger-reseed']);
    });

    it('writes the files: resolv.conf (a symlink becomes a plain file), hostname, hosts', () => {
      const r = makeRig();
      runOnce(r, request(VALID), shell);
      const resolv = join(r.root, 'etc', 'resolv.conf');
      expect(lstatSync(resolv).isSymbolicLink()).toBe(false);
      expect(readFileSync(resolv, 'utf8')).toBe('nameserver 172.16.0.1\n');
      expect(readFileSync(join(r.root, 'run', 'resolver', 'stub.conf'), 'utf8')).toBe('nameserver 127.0.0.53\n');
      expect(readFileSync(join(r.root, 'etc', 'hostname'), 'utf8')).toBe('dev-2\n');
      expect(readFileSync(join(r.root, 'etc', 'hosts'), 'utf8')).toBe('127.0.0.1\tlocalhost\n127.0.1.1 dev-2.vm dev-2\n10.0.0.9 old-10\n# old-1 stays in comments\n');
    });

    it('decodes the seed hex to the exact bytes written to /dev/urandom (all 256 values)', () => {
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      for (const half of [all.subarray(0, 128), all.subarray(128)]) {
        const r = makeRig();
        const { reply } = runOnce(r, request({ ...VALID, seed: half.toString('hex') }), shell);
        expect(reply.ok).toBe(true);
        expect(readFileSync(join(r.root, 'dev', 'urandom')).equals(half)).toBe(true);
      }
      const r = makeRig();
      runOnce(r, request({ ...VALID, seed: '00'.repeat(32) }), shell);
      expect(readFileSync(join(r.root, 'dev', 'urandom')).equals(Buffer.alloc(32))).toBe(true);
    });

    it('stops at the first failing step and names it; later steps do not run', () => {
      const r = makeRig({ ssh: 'dropbear' });
      const { reply } = runOnce(r, request(VALID), shell, { STUB_FAIL: 'ip' });
      expect(reply).toEqual({ id: 7, ok: false, error: 'network: ip failed: RTNETLINK answers: Operation not permitted' });
      expect(calls(r).map((c) => c[0])).toEqual(['perl', 'date', 'kill', 'ip']);
      expect(readFileSync(join(r.root, 'etc', 'hostname'), 'utf8')).toBe('old-1\n');
      const r2 = makeRig();
      expect(runOnce(r2, request(VALID), shell, { STUB_FAIL: 'date' }).reply.error).toBe('clock: date failed: RTNETLINK answers: Operation not permitted');
      expect(calls(r2).map((c) => c[0])).toEqual(['perl', 'date']);
    });
  });
}

const BAD: [string, Record<string, unknown>, RegExp][] = [
  ['hostname with ;', { hostname: 'x;rm -rf /' }, /hostname/],
  ['hostname with $()', { hostname: '$(touch PWNED)' }, /hostname/],
  ['hostname with backticks', { hostname: '`touch PWNED`' }, /hostname/],
  ['hostname with a quote', { hostname: 'a"b' }, /hostname/],
  ['hostname with a newline', { hostname: 'a\nb' }, /hostname/],
  ['hostname with a space', { hostname: 'a b' }, /hostname/],
  ['hostname with a dot', { hostname: 'a.b' }, /hostname/],
  ['hostname in upper case', { hostname: 'Dev' }, /hostname/],
  ['hostname starting with -', { hostname: '-dev' }, /hostname/],
  ['hostname ending with -', { hostname: 'dev-' }, /hostname/],
  ['hostname of 64 characters', { hostname: 'a'.repeat(64) }, /hostname/],
  ['empty hostname', { hostname: '' }, /hostname/],
  ['hostname as a number', { hostname: 5 }, /hostname/],
  ['ip octet 256', { ip: '172.16.0.256' }, /ip must/],
  ['ip of three parts', { ip: '172.16.0' }, /ip must/],
  ['ip of five parts', { ip: '172.16.0.5.1' }, /ip must/],
  ['ip with a leading zero', { ip: '172.16.0.05' }, /ip must/],
  ['ip with an empty part', { ip: '172..0.5' }, /ip must/],
  ['ip with a prefix', { ip: '172.16.0.5/24' }, /ip must/],
  ['ip with $()', { ip: '$(reboot)' }, /ip must/],
  ['ip with ;', { ip: '172.16.0.5;reboot' }, /ip must/],
  ['gateway with backticks', { gateway: '`reboot`' }, /gateway must/],
  ['dns of letters', { dns: 'one.one.one.one' }, /dns must/],
  ['mac in upper case', { mac: '06:00:AC:10:00:05' }, /mac must/],
  ['multicast mac', { mac: '07:00:ac:10:00:05' }, /mac must/],
  ['all-zero mac', { mac: '00:00:00:00:00:00' }, /mac must/],
  ['short mac', { mac: '06:00:ac:10:00' }, /mac must/],
  ['mac with a tail', { mac: '06:00:ac:10:00:05;reboot' }, /mac must/],
  ['mac with dashes', { mac: '06-00-ac-10-00-05' }, /mac must/],
  ['prefix 7', { prefix: 7 }, /prefix must/],
  ['prefix 31', { prefix: 31 }, /prefix must/],
  ['prefix 0', { prefix: 0 }, /prefix must/],
  ['prefix as a string', { prefix: '24' }, /prefix must/],
  ['negative prefix', { prefix: -24 }, /prefix must/],
  ['fractional prefix', { prefix: 24.5 }, /prefix must/],
  ['odd-length seed', { seed: 'a'.repeat(65) }, /seed must/],
  ['seed too short', { seed: 'ab'.repeat(31) }, /seed must/],
  ['seed too long', { seed: 'ab'.repeat(129) }, /seed must/],
  ['seed in upper case', { seed: 'AB'.repeat(32) }, /seed must/],
  ['seed not hex', { seed: 'zz'.repeat(32) }, /seed must/],
  ['seed with $()', { seed: `$(reboot)${'ab'.repeat(32)}` }, /seed must/],
  ['time as a string', { time: '1764720000' }, /time must/],
  ['time too short', { time: 123 }, /time must/],
  ['fractional time', { time: 1764720000.5 }, /time must/],
  ['negative time', { time: -1764720000 }, /time must/],
  ['time of 11 digits', { time: 17647200000 }, /time must/],
];

describe('agent identity refuses bad fields before running anything', () => {
  for (const [label, shell] of shells()) {
    it(`${label}: every bad field gets ok:false, no command, no file written`, () => {
      if (shell === BUSYBOX) assertAllWrapped();
      for (const [what, patch, error] of BAD) {
        const r = makeRig({ ssh: 'dropbear' });
        const params = JSON.parse(JSON.stringify({ ...VALID, ...patch }).replaceAll('PWNED', join(r.dir, 'pwned'))) as Record<string, unknown>;
        const { reply } = runOnce(r, request(params), shell);
        expect({ what, ok: reply.ok, id: reply.id }).toEqual({ what, ok: false, id: 7 });
        expect(reply.error, what).toMatch(error);
        expect(calls(r), what).toEqual([]);
        expect(existsSync(join(r.dir, 'pwned')), what).toBe(false);
        expect(existsSync(join(r.root, 'dev', 'urandom')), what).toBe(false);
        expect(lstatSync(join(r.root, 'etc', 'resolv.conf')).isSymbolicLink(), what).toBe(true);
        expect(readdirSync(join(r.root, 'etc', 'dropbear')), what).toHaveLength(4);
      }
    });
  }

  it('a request without params or with a missing field is refused', () => {
    const r = makeRig();
    expect(runOnce(r, JSON.stringify({ id: 3, method: 'identity' })).reply).toMatchObject({ id: 3, ok: false, error: expect.stringMatching(/ip must/) });
    const { seed: _seed, ...noSeed } = VALID;
    expect(runOnce(r, request(noSeed)).reply.error).toMatch(/seed must/);
    expect(calls(r)).toEqual([]);
  });
});

describe('AgentClient.identity + guestIdentity against the script (--stdio behind a socket)', () => {
  const r = makeRig({ ssh: 'openssh', systemd: true });
  const sockPath = join(r.dir, 'agent.sock');
  const conns = new Set<Socket>();
  let server: Server;
  let client: AgentClient | undefined;

  beforeAll(async () => {
    server = createServer((c) => {
      conns.add(c);
      const agent = spawn('sh', [SCRIPT, '--stdio'], { env: rigEnv(r), stdio: ['pipe', 'pipe', 'inherit'] });
      c.pipe(agent.stdin);
      agent.stdout.pipe(c);
      c.on('close', () => agent.kill());
    });
    await new Promise<void>((res) => server.listen(sockPath, res));
  });

  afterEach(() => client?.close());

  afterAll(async () => {
    for (const c of conns) c.destroy();
    await new Promise((res) => server.close(res));
  });

  it('sends the typed params on one line and gets the typed result; the connection stays usable', async () => {
    const params = guestIdentity({ name: 'dev-2', guestIP: '172.16.0.5', bridgeCidr: '172.16.0.1/24', now: () => 1_764_720_000_999 });
    client = await AgentClient.connect({ kind: 'virtio-serial', socketPath: sockPath });
    const res = await client.identity(params, { timeoutMs: 15_000 });
    expect(res).toEqual({ hostname: 'dev-2', ip: '172.16.0.5', hostKeys: 'openssh', reseeded: true });
    expect(calls(r)).toEqual(expectedCalls(r, [
      ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'root@dev-2', '-f', join(r.root, 'etc', 'ssh', 'ssh_host_ed25519_key')],
      ['systemctl', 'reload-or-restart', 'ssh.service'],
    ]));
    expect(readFileSync(join(r.root, 'dev', 'urandom')).toString('hex')).toBe(params.seed);
    // The stand-ins read stdin to EOF: had they inherited the agent's stdin (this
    // connection), the identity above would have hung. A second request still works.
    const refused = client.identity({ ...params, hostname: 'bad name' });
    await expect(refused).rejects.toThrow(/guest agent identity failed: hostname must be 1-63 of a-z/);
  });
});
