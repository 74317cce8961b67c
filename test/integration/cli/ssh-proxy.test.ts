import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { JSONRPCErrorException, JSONRPCServer } from 'json-rpc-2.0';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, RPC_APP_ERROR, type BangerError } from '../../../src/errors/index.js';
import { PROTOCOL_VERSION, type MethodResults } from '../../../src/rpc/index.js';
import { RpcSocketServer, packageVersion } from '../../../src/wire/index.js';
import { CLI_MAIN, CliRig } from '../../helpers/index.js';

/**
 * banger ssh-proxy through the real CLI process. bangerd is stood in for by a
 * tiny RPC server on the rig's daemon socket that answers `daemon.hello` and
 * `vm.ssh` by the contract in src/rpc/methods.ts (the real handler is the
 * wiring work; real VMs come with the smoke suite). Everything else is real:
 * the CLI's daemon client, the TCP pipe, and, where sshd is available, a real
 * OpenSSH client going through `ProxyCommand banger ssh-proxy %h %p`.
 */
let rig: CliRig;
let fake: RpcSocketServer | undefined;
let servers: Server[] = [];
let children: ChildProcess[] = [];
let vms: Record<string, { host: string; port: number } | BangerError>;
let sshCalls: string[];

async function startFakeDaemon(): Promise<void> {
  const rpc = new JSONRPCServer({ errorListener: () => undefined });
  rpc.addMethod('daemon.hello', () => ({ version: packageVersion(), pid: process.pid, protocol: PROTOCOL_VERSION }));
  rpc.addMethod('vm.ssh', ({ name }: { name: string }): MethodResults['vm.ssh'] => {
    sshCalls.push(name);
    const vm = vms[name] ?? new NotFoundError(`no VM named "${name}"`, { code: 'vm.not_found', hint: 'list them: banger vm list' });
    if (vm instanceof Error) {
      throw new JSONRPCErrorException(vm.message, RPC_APP_ERROR, vm.toJSON());
    }
    return { name, host: vm.host, port: vm.port, user: 'root', privateKeyPath: rig.layout.sshKeyPath, knownHostsPath: rig.layout.knownHostsPath, hostKeyAlias: `${name}.vm` };
  });
  mkdirSync(rig.layout.runtimeDir, { recursive: true, mode: 0o700 });
  fake = new RpcSocketServer({ path: rig.layout.daemonSocket, handle: (line) => rpc.receiveJSON(line) });
  await fake.listen();
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Runs the CLI with `input` on stdin; resolves when the process exits. */
function proxy(args: string[], input: Buffer | string): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'ssh-proxy', ...args], { env: rig.temp.env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.end(input);
  });
}

beforeEach(async () => {
  rig = new CliRig();
  vms = {};
  sshCalls = [];
  await startFakeDaemon();
});
afterEach(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children = [];
  for (const s of servers) s.close();
  servers = [];
  await fake?.close();
  fake = undefined;
  await rig.cleanup();
}, 20_000);

describe('banger ssh-proxy (real CLI, stand-in daemon)', () => {
  it('resolves NAME.vm with vm.ssh, pipes bytes both ways and exits 0 when the guest closes', { timeout: 30_000 }, async () => {
    const echo = createServer({ allowHalfOpen: true }, (s) => {
      s.pipe(s);
    });
    vms.devbox = { host: '127.0.0.1', port: await listen(echo) };
    const payload = Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_test\r\n'), Buffer.alloc(256 * 1024, 0xa5)]);
    const r = await proxy(['devbox.vm', '22'], payload);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.equals(payload)).toBe(true);
    expect(sshCalls).toEqual(['devbox']);
  });

  it('an unknown VM and a stopped VM give the daemon\'s one-line error on stderr, exit 1, nothing on stdout', { timeout: 30_000 }, async () => {
    const ghost = await proxy(['ghost.vm', '22'], '');
    expect(ghost).toMatchObject({ code: 1, stderr: 'banger: no VM named "ghost"\n  hint: list them: banger vm list\n' });
    expect(ghost.stdout.length).toBe(0);
    vms.sleepy = new ConflictError('vm "sleepy" is stopped', { code: 'vm.not_running', hint: 'start it: banger vm start sleepy' });
    const stopped = await proxy(['sleepy.vm', '22'], '');
    expect(stopped).toMatchObject({ code: 1, stderr: 'banger: vm "sleepy" is stopped\n  hint: start it: banger vm start sleepy\n' });
  });

  it('a VM whose address refuses connections is a one-line GuestError naming it', { timeout: 30_000 }, async () => {
    const port = await listen(createServer());
    servers.pop()!.close();
    vms.down = { host: '127.0.0.1', port };
    const r = await proxy(['down.vm', '22'], '');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`banger: cannot reach down.vm at 127.0.0.1:${port}: ECONNREFUSED\n  hint: is the VM running and its SSH server up? banger vm show down\n`);
  });

  it('input errors are usage errors before any daemon call', { timeout: 30_000 }, async () => {
    const host = await rig.cli(['ssh-proxy', 'github.com', '22']);
    expect(host).toMatchObject({ code: 2, stdout: '', stderr: 'banger: "github.com" is not a banger VM host name\n  hint: use NAME.vm, e.g. ssh devbox.vm\n' });
    const port = await rig.cli(['ssh-proxy', 'devbox.vm', 'ssh']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('"ssh" is not a TCP port');
    const missing = await rig.cli(['ssh-proxy', 'devbox.vm']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'port'");
    expect(sshCalls).toEqual([]);
  });

  const haveSshd = existsSync('/usr/sbin/sshd') && process.getuid?.() === 0;
  it.runIf(haveSshd)(
    'real ssh NAME.vm through banger ssh-config and ssh-proxy reaches an sshd on loopback [needs root and openssh-server]',
    { timeout: 40_000 },
    async () => {
      const dir = join(rig.temp.root, 'sshd');
      mkdirSync(dir, { mode: 0o700 });
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
      mkdirSync(rig.layout.sshDir, { recursive: true, mode: 0o700 });
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', rig.layout.sshKeyPath]);
      writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${rig.layout.sshKeyPath}.pub`), { mode: 0o600 });
      const port = await listen(createServer());
      servers.pop()!.close();
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
      mkdirSync('/run/sshd', { recursive: true });
      const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
      children.push(sshd);
      vms.devbox = { host: '127.0.0.1', port };

      const home = join(rig.temp.root, 'home');
      mkdirSync(home);
      expect((await rig.cli(['ssh-config', '--install'], { env: { HOME: home } })).code).toBe(0);
      const ssh = (...cmd: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          const args = ['-F', join(home, '.ssh', 'config'), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', 'devbox.vm', ...cmd];
          execFile('ssh', args, { env: { ...rig.temp.env, HOME: home }, timeout: 20_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 124) : 0, stdout, stderr }),
          );
        });
      // sshd needs a moment to listen; the proxy reports ECONNREFUSED until then.
      let r = await ssh('echo', 'through-the-proxy');
      for (let i = 0; i < 40 && r.code === 255 && r.stderr.includes('ECONNREFUSED'); i++) {
        await new Promise((res) => setTimeout(res, 100));
        r = await ssh('echo', 'through-the-proxy');
      }
      expect(r.stderr).toBe('');
      expect(r).toMatchObject({ code: 0, stdout: 'through-the-proxy\n' });
      // The host key was pinned in banger's own known_hosts, under the VM's name.
      expect(readFileSync(rig.layout.knownHostsPath, 'utf8')).toMatch(/^devbox\.vm ssh-ed25519 /m);
      // ssh joins the words into one remote command line, like a shell would.
      expect((await ssh('exit 7')).code).toBe(7);
      expect(sshCalls.every((n) => n === 'devbox')).toBe(true);
    },
  );
});
