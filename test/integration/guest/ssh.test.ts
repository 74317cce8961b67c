import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utils } from 'ssh2';
import { copyDirToGuest, prepareWorkspace } from '../../../src/guest/workspace/index.js';
import { KnownHosts, commandLine, connectSsh, execCapture, execStream, waitForSsh, type SshTarget } from '../../../src/guest/ssh/index.js';

/**
 * ssh2 against a real OpenSSH sshd on loopback, started by the test with its
 * own config, host key and authorized_keys in a temp dir.
 */
const haveSshd = existsSync('/usr/sbin/sshd') && process.getuid?.() === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!haveSshd)('guest ssh over a real sshd (needs root and openssh-server)', () => {
  let dir: string;
  let sshd: ChildProcess | undefined;
  let port: number;
  let target: SshTarget;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'banger-sshd-'));
    chmodSync(dir, 0o700);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    const kp = utils.generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'authorized_keys'), `${kp.public}\n`, { mode: 0o600 });
    port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'StrictModes no',
        'UsePAM no',
        `PidFile ${join(dir, 'sshd.pid')}`,
      ].join('\n'),
    );
    execFileSync('mkdir', ['-p', '/run/sshd']);
    sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
    target = {
      host: '127.0.0.1',
      port,
      privateKey: kp.private,
      hostNames: ['test.vm', '127.0.0.1'],
      knownHosts: new KnownHosts(join(dir, 'known_hosts')),
    };
  });

  afterAll(() => {
    sshd?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits until sshd answers, pins its host key, and runs commands with exit codes', async () => {
    const attempts: number[] = [];
    const session = await waitForSsh(target, { timeoutMs: 20_000, intervalMs: 100, onAttempt: (n) => attempts.push(n) });
    try {
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      const pinned = readFileSync(join(dir, 'known_hosts'), 'utf8');
      expect(pinned).toMatch(/^test\.vm,127\.0\.0\.1 ssh-ed25519 [A-Za-z0-9+/=]+\n$/);
      const r = await execCapture(session.client, commandLine(['echo', 'hello world', "it's"]));
      expect(r).toMatchObject({ code: 0, stdout: "hello world it's\n" });
      const seven = await execCapture(session.client, commandLine(['sh', '-c', 'echo oops >&2; exit 7']));
      expect(seven.code).toBe(7);
      expect(seven.stderr).toBe('oops\n');
      const echoed = await execCapture(session.client, 'cat', { stdin: 'from stdin' });
      expect(echoed.stdout).toBe('from stdin');
      const out = new PassThrough();
      const chunks: string[] = [];
      out.on('data', (c: Buffer) => chunks.push(c.toString()));
      const streamed = await execStream(session.client, 'for i in 1 2 3; do echo line$i; done', { stdout: out });
      expect(streamed.code).toBe(0);
      expect(chunks.join('')).toBe('line1\nline2\nline3\n');
    } finally {
      session.close();
    }
  });

  it('copies a staged git workspace through tar over SSH, links kept as links', async () => {
    const repo = join(dir, 'ws-repo');
    execFileSync('mkdir', ['-p', repo]);
    const g = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: repo });
    g('init', '-q');
    writeFileSync(join(repo, 'committed.txt'), 'c\n');
    g('add', '.');
    g('commit', '-qm', 'c');
    writeFileSync(join(repo, 'dirty.txt'), 'd\n');
    execFileSync('ln', ['-s', '/etc/hostname', join(repo, 'link')]);
    const ws = await prepareWorkspace(repo, { vmId: 'v', tmpRoot: dir });
    const session = await waitForSsh(target, { timeoutMs: 10_000 });
    const guestRoot = join(dir, 'guest-root') + '/';
    try {
      await copyDirToGuest(session.client, ws.stagingDir!, `${guestRoot}ws-repo`, { guestRoot });
      expect(readFileSync(join(guestRoot, 'ws-repo', 'committed.txt'), 'utf8')).toBe('c\n');
      expect(readFileSync(join(guestRoot, 'ws-repo', 'dirty.txt'), 'utf8')).toBe('d\n');
      expect(execFileSync('readlink', [join(guestRoot, 'ws-repo', 'link')]).toString().trim()).toBe('/etc/hostname');
      await expect(copyDirToGuest(session.client, ws.stagingDir!, '/etc/evil', { guestRoot })).rejects.toThrow(/must be under/);
    } finally {
      session.close();
      await ws.cleanup();
    }
  });

  it('refuses a host whose key changed since it was pinned', async () => {
    const other = new KnownHosts(join(dir, 'known_hosts_other'));
    await other.pin(['test.vm'], { type: 'ssh-ed25519', blob: Buffer.from('not-the-key').toString('base64') });
    await expect(connectSsh({ ...target, knownHosts: other })).rejects.toMatchObject({ code: 'ssh.host_key_changed' });
  });

  it('forgets a VM host key so a new VM with the same name can be pinned', async () => {
    const kh = new KnownHosts(join(dir, 'known_hosts'));
    expect(await kh.forget(['test.vm'])).toBe(1);
    expect(readFileSync(join(dir, 'known_hosts'), 'utf8')).toBe('');
  });

  it('times out with a GuestError naming the host when nothing listens', async () => {
    const deadPort = await freePort();
    await expect(waitForSsh({ ...target, port: deadPort }, { timeoutMs: 600, intervalMs: 100 })).rejects.toMatchObject({ code: 'ssh.timeout' });
  });
});
