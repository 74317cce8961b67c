import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliRig } from '../../helpers/index.js';
import { jsonData } from '../../helpers/cli-json.js';

/** The real CLI with a temp HOME: install then uninstall must leave ~/.ssh exactly as it was. */
let rig: CliRig;
let home: string;
let bin: string;
/**
 * PATH is always the test's own, led by a `banger` of the test's choosing: which banger a developer's machine
 * has linked onto PATH (the README's first command does) must not change the config written.
 */
const run = (...args: string[]) => rig.cli(args, { env: { HOME: home, PATH: `${bin}:/usr/local/bin:/usr/bin:/bin` } });
const userConfig = () => join(home, '.ssh', 'config');

beforeEach(() => {
  rig = new CliRig();
  home = join(rig.temp.root, 'home');
  mkdirSync(home);
  bin = join(rig.temp.root, 'bin');
  mkdirSync(bin);
  // Not this CLI: another program that happens to be called banger (an older install, another checkout).
  writeFileSync(join(bin, 'banger'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
});
afterEach(async () => rig.cleanup(), 20_000);

describe('banger ssh-config (real CLI, temp HOME)', () => {
  it('install twice then uninstall leaves pre-existing ~/.ssh/config byte-identical, mode included', { timeout: 30_000 }, async () => {
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    // Awkward on purpose: CRLF, no trailing newline, non-ASCII, a Host block the Include must precede.
    const original = Buffer.from('# mine\r\nHost github.com\n  User git\n\tIdentityFile ~/.ssh/gh\n# ünïcode, no final newline');
    writeFileSync(userConfig(), original, { mode: 0o640 });

    const first = await run('ssh-config', '--install');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`added an Include of it to ${userConfig()}`);
    const installed = readFileSync(userConfig(), 'utf8');
    expect(installed).toBe(`# >>> banger ssh-config >>>\nInclude ${rig.layout.sshConfigPath}\n# <<< banger ssh-config <<<\n${original.toString('utf8')}`);

    const second = await run('ssh-config', '--install', '--json');
    expect(jsonData(second.stdout)).toMatchObject({ installed: true, changed: false });
    expect(readFileSync(userConfig(), 'utf8')).toBe(installed);

    const doctor = await run('doctor', '--json');
    const checks = jsonData<{ checks: { id: string; status: string }[] }>(doctor.stdout).checks;
    expect(checks.find((c) => c.id === 'ssh-include')?.status).toBe('pass');

    const un = await run('ssh-config', '--uninstall');
    expect(un).toMatchObject({ code: 0, stdout: `removed banger's Include from ${userConfig()}\n` });
    expect(readFileSync(userConfig()).equals(original)).toBe(true);
    expect(statSync(userConfig()).mode & 0o777).toBe(0o640);
    expect(existsSync(rig.layout.sshConfigPath)).toBe(false);

    const again = await run('ssh-config', '--uninstall');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to remove');
    expect(readFileSync(userConfig()).equals(original)).toBe(true);
  });

  it('with no ~/.ssh at all, uninstall removes the file and the directory install created', { timeout: 30_000 }, async () => {
    expect((await run('ssh-config', '--install')).code).toBe(0);
    expect(statSync(userConfig()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.ssh')).mode & 0o777).toBe(0o700);
    expect((await run('ssh-config', '--uninstall')).code).toBe(0);
    expect(existsSync(join(home, '.ssh'))).toBe(false);
  });

  it('with ~/.ssh but no config, and with an empty config, each comes back as it was', { timeout: 30_000 }, async () => {
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    writeFileSync(join(home, '.ssh', 'known_hosts'), 'x\n');
    await run('ssh-config', '--install');
    await run('ssh-config', '--uninstall');
    expect(existsSync(userConfig())).toBe(false);
    expect(readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8')).toBe('x\n');

    writeFileSync(userConfig(), '', { mode: 0o600 });
    await run('ssh-config', '--install');
    expect(readFileSync(userConfig(), 'utf8')).toContain('Include');
    await run('ssh-config', '--uninstall');
    expect(existsSync(userConfig())).toBe(true);
    expect(readFileSync(userConfig(), 'utf8')).toBe('');
  });

  it('a symlinked ~/.ssh/config (dotfile managers) keeps its link; the target is edited and restored', { timeout: 30_000 }, async () => {
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    mkdirSync(join(home, 'dotfiles'));
    const target = join(home, 'dotfiles', 'ssh_config');
    writeFileSync(target, 'Host *\n  ServerAliveInterval 30\n');
    symlinkSync('../dotfiles/ssh_config', userConfig());
    await run('ssh-config', '--install');
    expect(lstatSync(userConfig()).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain('Include');
    await run('ssh-config', '--uninstall');
    expect(readlinkSync(userConfig())).toBe('../dotfiles/ssh_config');
    expect(readFileSync(target, 'utf8')).toBe('Host *\n  ServerAliveInterval 30\n');
  });

  it('without flags prints the config it wrote; real ssh -G resolves NAME.vm through it to banger ssh-proxy', { timeout: 30_000 }, async () => {
    const r = await run('ssh-config');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(rig.layout.sshConfigPath, 'utf8'));
    expect(r.stdout).toContain('Host *.vm\n');
    expect(r.stdout).toContain(`IdentityFile ${rig.layout.sshKeyPath}`);
    await run('ssh-config', '--install');
    // -G prints the resolved configuration without connecting anywhere.
    const resolved = execFileSync('ssh', ['-F', userConfig(), '-G', 'devbox.vm'], { encoding: 'utf8', timeout: 10_000 });
    expect(resolved).toMatch(/^user root$/m);
    expect(resolved).toMatch(new RegExp(`^identityfile ${rig.layout.sshKeyPath}$`, 'm'));
    // ssh expands %h/%p only when it runs the command.
    expect(resolved).toMatch(/^proxycommand \S+ \S+main\.js ssh-proxy %h %p$/m);
    const other = execFileSync('ssh', ['-F', userConfig(), '-G', 'example.org'], { encoding: 'utf8', timeout: 10_000 });
    expect(other).not.toMatch(/^proxycommand /m);
  });

  it('names plain `banger` only when the banger first on PATH is this very CLI, whatever the machine has installed', { timeout: 30_000 }, async () => {
    const proxyLine = async (): Promise<string | undefined> => {
      const r = await run('ssh-config');
      expect(r.code).toBe(0);
      return /^\s*ProxyCommand (.*)$/m.exec(r.stdout)?.[1];
    };
    // Another banger first on PATH: node + this checkout's script by absolute path.
    expect(await proxyLine()).toMatch(/^\S+ \S+\/dist\/src\/cli\/main\.js ssh-proxy %h %p$/);
    // This checkout's CLI linked first on PATH (what `npm link` does): the short form.
    rmSync(join(bin, 'banger'));
    symlinkSync(join(process.cwd(), 'dist', 'src', 'cli', 'main.js'), join(bin, 'banger'));
    expect(await proxyLine()).toBe('banger ssh-proxy %h %p');
  });

  it('--install with --uninstall is a usage error (exit 2) that changes nothing', { timeout: 30_000 }, async () => {
    const r = await run('ssh-config', '--install', '--uninstall');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--install and --uninstall cannot be combined');
    expect(existsSync(join(home, '.ssh'))).toBe(false);
  });
});
