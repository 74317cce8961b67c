import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  EXEC_VALUED_FLAGS,
  addExecOptions,
  exitCodeFor,
  parseExecFlags,
  preflightCommand,
  remoteCommand,
  wantsPty,
  wantsStdin,
} from '../../../../src/cli/guest/exec-options.js';
import { splitRunArgs } from '../../../../src/cli/commands/vm/run.js';
import { UsageError } from '../../../../src/errors/index.js';

/** Parses argv the way the CLI does for vm exec and returns the checked flags. */
function parse(argv: string[], env: Record<string, string> = {}) {
  const cmd = new Command('exec').exitOverride().argument('<name>').argument('[command...]');
  addExecOptions(cmd, { stdin: 'never' });
  cmd.parse(['node', 'exec', ...argv]);
  return { flags: parseExecFlags(cmd.opts(), env), args: cmd.processedArgs as unknown[] };
}

/** Runs a remote command line in the local /bin/sh, as the guest's shell would. */
function sh(line: string): string {
  return execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
}

describe('exec options: parsing', () => {
  it('collects repeated --env in order, with -e, and splits at the first =', () => {
    const { flags } = parse(['dev', '-e', 'A=1', '--env', 'B=x=y', '-e', 'EMPTY=', '--', 'env']);
    expect(flags.env).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
      ['EMPTY', ''],
    ]);
  });

  it('--env K alone copies the host value (docker), and refuses a K the host does not have', () => {
    expect(parse(['dev', '--env', 'HOSTVAR', '--', 'env'], { HOSTVAR: 'from host' }).flags.env).toEqual([['HOSTVAR', 'from host']]);
    expect(() => parse(['dev', '--env', 'NOPE', '--', 'env'])).toThrow(/NOPE is not set in your environment/);
  });

  it.each(['1A=x', 'A-B=x', '=x', 'A B=x', 'É=x'])('refuses the key in %s with a usage error', (item) => {
    let err: unknown;
    try {
      parse(['dev', '-e', item, '--', 'true']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/is not a variable name/);
    expect((err as UsageError).hint).toBeDefined();
  });

  it('wants an absolute --workdir', () => {
    expect(parse(['dev', '-w', '/root/src', '--', 'pwd']).flags.workdir).toBe('/root/src');
    expect(() => parse(['dev', '-w', 'src', '--', 'pwd'])).toThrow(/--workdir "src" is not an absolute path/);
  });

  it('checks --user names', () => {
    expect(parse(['dev', '-u', 'app', '--', 'id']).flags.user).toBe('app');
    expect(() => parse(['dev', '-u', '-x', '--', 'id'])).toThrow();
    expect(() => parse(['dev', '--user', 'a b', '--', 'id'])).toThrow(/is not a user name/);
    expect(() => parse(['dev', '--user', "x';rm", '--', 'id'])).toThrow(/is not a user name/);
  });

  it('-i, -t and -T', () => {
    expect(parse(['dev', '--', 'cat']).flags).toMatchObject({ interactive: false });
    expect(parse(['dev', '--', 'cat']).flags.tty).toBeUndefined();
    expect(parse(['dev', '-it', '--', 'cat']).flags).toMatchObject({ interactive: true, tty: true });
    expect(parse(['dev', '-T', '--', 'cat']).flags).toMatchObject({ tty: false });
  });

  it('leaves everything after -- to the command, flags included', () => {
    const { flags, args } = parse(['dev', '-e', 'A=1', '--', 'ls', '-e', '-w', '-t']);
    expect(flags.env).toEqual([['A', '1']]);
    expect(args).toEqual(['dev', ['ls', '-e', '-w', '-t']]);
  });

  it('vm run splits its repo from the command past the shared valued flags', () => {
    expect(EXEC_VALUED_FLAGS).toContain('--env');
    expect(splitRunArgs(['vm', 'run', '-e', 'A=1', '--workdir', '/tmp', '-u', 'app', './repo', '--', 'make'])).toEqual({ repo: './repo', command: ['make'] });
    expect(splitRunArgs(['vm', 'run', '--env', 'A=1', '--', 'make'])).toEqual({ command: ['make'] });
  });
});

describe('exec options: the remote command line', () => {
  const awkward = ['has space', "it's", 'double "quoted"', '$HOME and `id` and $(id)', 'line one\nline two', 'back\\slash', '*', ''];

  it.each(awkward)('an env value arrives exactly: %j', (value) => {
    const line = remoteCommand(['printenv', 'V'], { env: [['V', value]] });
    expect(sh(line)).toBe(`${value}\n`);
  });

  it('argv words are passed exactly, and several words are exec-ed (signals reach the command itself)', () => {
    const line = remoteCommand(['printf', '%s|', 'a b', "c'd", '$x'], { env: [] });
    expect(line).toBe(`exec printf '%s|' 'a b' 'c'\\''d' '$x'`);
    expect(sh(line)).toBe("a b|c'd|$x|");
  });

  it('one word stays a shell snippet, as vm ssh and vm run always took it', () => {
    expect(remoteCommand(['echo $((1+2)) && echo two'], { env: [] })).toBe('echo $((1+2)) && echo two');
    expect(sh(remoteCommand(['echo $((1+2)) && echo $A'], { env: [['A', 'x y']] }))).toBe('3\nx y\n');
  });

  it('a builtin runs in the shell instead of exec (exec cd would fail)', () => {
    expect(remoteCommand(['cd', '/tmp'], { env: [] })).toBe('cd /tmp');
    expect(sh(remoteCommand(['ulimit', '-n'], { env: [] })).trim()).toMatch(/^\d+|unlimited$/);
  });

  it('applies the workdir, --workdir over the command default', () => {
    expect(sh(remoteCommand(['pwd', '-P'], { env: [], workdir: '/tmp' }))).toBe(`${execFileSync('realpath', ['/tmp'], { encoding: 'utf8' })}`);
    expect(remoteCommand(['pwd'], { env: [] }, '/root/repo')).toBe("cd /root/repo && pwd");
    expect(remoteCommand(['pwd'], { env: [], workdir: '/srv' }, '/root/repo')).toBe('cd /srv && pwd');
    expect(remoteCommand(['pwd'], { env: [], workdir: "/a dir/it's" })).toBe(`cd '/a dir/it'\\''s' && pwd`);
  });

  it('no command is a login shell', () => {
    expect(remoteCommand(undefined, { env: [] }, '/root/r')).toBe('cd /root/r && exec "${SHELL:-sh}" -l');
  });

  it('--user wraps the whole line in su, with env and cd inside (su resets the environment)', () => {
    const line = remoteCommand(['id', '-un'], { env: [['A', "x'y"]], workdir: '/tmp', user: 'app' });
    expect(line).toBe(`exec su -s /bin/sh -c 'export A='\\''x'\\''\\'\\'''\\''y'\\'' && cd /tmp && exec id -un' app`);
    // The inner line survives the outer quoting: unwrap it with the shell and run it.
    const inner = sh(`set -- ${line.replace(/^exec su -s \/bin\/sh -c /, '').replace(/ app$/, '')}; printf %s "$1"`);
    expect(inner).toBe(`export A='x'\\''y' && cd /tmp && exec id -un`);
  });

  it('the preflight checks only what was asked', () => {
    expect(preflightCommand({})).toBeUndefined();
    expect(preflightCommand({ user: 'app' })).toBe('id -u app >/dev/null 2>&1 || echo user');
    const both = preflightCommand({ user: 'no-such-user-xyz', workdir: '/no/such dir' })!;
    expect(sh(both).split('\n').filter(Boolean)).toEqual(['user', 'workdir']);
    expect(sh(preflightCommand({ user: 'root', workdir: '/' })!)).toBe('');
  });
});

describe('exec options: PTY and stdin decision', () => {
  // [-t/-T, stdin TTY, stdout TTY] → PTY
  it.each([
    [undefined, true, true, true],
    [undefined, true, false, false],
    [undefined, false, true, false],
    [undefined, false, false, false],
    [true, false, false, true],
    [true, true, true, true],
    [false, true, true, false],
    [false, false, false, false],
  ] as const)('tty=%s stdin=%s stdout=%s → pty %s', (tty, stdinIsTTY, stdoutIsTTY, want) => {
    expect(wantsPty(tty, { stdinIsTTY, stdoutIsTTY })).toBe(want);
  });

  it.each([
    [false, 'never', true, false],
    [true, 'never', false, true],
    [false, 'always', false, true],
    [false, 'terminal', true, true],
    [false, 'terminal', false, false],
    [true, 'terminal', false, true],
  ] as const)('-i=%s default=%s stdin TTY=%s → stdin %s', (i, dflt, stdinIsTTY, want) => {
    expect(wantsStdin(i, dflt, { stdinIsTTY, stdoutIsTTY: false })).toBe(want);
  });
});

describe('exec options: exit codes', () => {
  it.each([
    [0, undefined, 0],
    [7, undefined, 7],
    [255, undefined, 255],
    [null, 'INT', 130],
    [null, 'TERM', 143],
    [null, 'KILL', 137],
    [null, 'SIGHUP', 129],
    [null, 'WEIRD', 129],
    [null, undefined, 255],
  ] as const)('code %s signal %s → %s', (code, signal, want) => {
    expect(exitCodeFor(code, signal)).toBe(want);
  });
});
