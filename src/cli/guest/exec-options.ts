import { constants as osConstants } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../../errors/index.js';
import { commandLine, shellQuote } from '../../guest/ssh/index.js';

/**
 * The flags `vm exec`, `vm ssh NAME -- CMD` and `vm run` share for the guest
 * command: environment, working directory, user, stdin and PTY. One module so
 * the three commands parse and apply them identically.
 *
 * Environment travels in the command line (`export K='v' && ...`), never as
 * SSH `env` requests: dropbear (minimal image) ignores those unless built for
 * them and OpenSSH (debian image) drops every name not in `AcceptEnv`, so a
 * request would silently lose values.
 */

export interface ExecFlags {
  /** K=V pairs in the order given (a later K wins, as in a shell). */
  env: [string, string][];
  /** Absolute guest directory to run in. */
  workdir?: string;
  /** Guest user to run as (through `su`); root when absent. */
  user?: string;
  /** -i: pass local stdin to the command. */
  interactive: boolean;
  /** -t: true, -T: false, neither: undefined (decided by the terminals). */
  tty?: boolean;
}

/** Value-taking flags, for commands that split their own argv at `--` (`vm run`). */
export const EXEC_VALUED_FLAGS: readonly string[] = ['-e', '--env', '-w', '--workdir', '-u', '--user'];

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** POSIX portable user names (useradd's rule, plus a trailing $ for machine accounts). */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

/** How each command feeds stdin when `-i` is not given. */
export type StdinDefault = 'always' | 'terminal' | 'never';

const STDIN_HELP: Record<StdinDefault, string> = {
  always: 'pass stdin to the command (always on for vm ssh, like ssh(1))',
  terminal: 'pass stdin to the command (on by default when stdin is a terminal)',
  never: 'pass stdin to the command (off unless given, like docker exec)',
};

/** Adds -e/--env, -w/--workdir, -u/--user, -i, -t and -T to a command. */
export function addExecOptions(cmd: Command, opts: { stdin: StdinDefault }): void {
  cmd
    .option('-e, --env <K=V>', 'set an environment variable (repeatable); --env K alone copies K from your environment', (v: string, prev: string[] = []) => [...prev, v])
    .option('-w, --workdir <dir>', 'absolute guest directory to run the command in')
    .option('-u, --user <user>', 'guest user to run as (default root); the user must exist in the guest')
    .option('-i, --interactive', STDIN_HELP[opts.stdin])
    .option('-t, --tty', 'give the command a PTY (default: only when stdin and stdout are both terminals)')
    .option('-T, --no-tty', 'never give the command a PTY');
}

/**
 * Checks the shared flags from commander's parsed options. `hostEnv` supplies
 * `--env K` (no `=`), which copies the host's value as docker does; a K unset
 * on the host is an error rather than a silent empty value.
 */
export function parseExecFlags(opts: Record<string, unknown>, hostEnv: Readonly<Record<string, string | undefined>>): ExecFlags {
  const env: [string, string][] = [];
  const raw = Array.isArray(opts.env) ? (opts.env as unknown[]).map(String) : [];
  for (const item of raw) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    if (!ENV_KEY.test(key)) {
      throw new UsageError(`--env ${JSON.stringify(item)}: ${JSON.stringify(key)} is not a variable name`, {
        code: 'exec.env_invalid',
        hint: 'names are letters, digits and _, not starting with a digit: --env MY_VAR=value',
      });
    }
    let value: string;
    if (eq !== -1) value = item.slice(eq + 1);
    else {
      const fromHost = hostEnv[key];
      if (fromHost === undefined) throw new UsageError(`--env ${key}: ${key} is not set in your environment`, { code: 'exec.env_unset', hint: `give a value: --env ${key}=value` });
      value = fromHost;
    }
    if (value.includes('\0')) throw new UsageError(`--env ${key}: the value contains a NUL byte`, { code: 'exec.env_invalid', hint: 'environment values cannot hold NUL' });
    env.push([key, value]);
  }
  const out: ExecFlags = { env, interactive: opts.interactive === true };
  if (typeof opts.tty === 'boolean') out.tty = opts.tty;
  if (typeof opts.workdir === 'string') {
    const dir = opts.workdir;
    if (!dir.startsWith('/')) throw new UsageError(`--workdir ${JSON.stringify(dir)} is not an absolute path`, { code: 'exec.workdir_invalid', hint: `give the guest path from /, e.g. --workdir /root/${dir.replace(/^\.\/?/, '') || 'src'}` });
    if (dir.includes('\0') || dir.includes('\n')) throw new UsageError('--workdir contains a NUL or newline', { code: 'exec.workdir_invalid', hint: 'e.g. --workdir /root/src' });
    out.workdir = dir;
  }
  if (typeof opts.user === 'string') {
    if (!USER_NAME.test(opts.user)) {
      throw new UsageError(`--user ${JSON.stringify(opts.user)} is not a user name`, { code: 'exec.user_invalid', hint: 'letters, digits, _, . and -, not starting with - or a digit: --user app' });
    }
    out.user = opts.user;
  }
  return out;
}

/**
 * Shell builtins with no executable of the same name: `exec` would fail on
 * them ("exec: cd: not found"), so a command naming one runs in the shell.
 */
const BUILTIN_ONLY = new Set([
  '.', ':', 'alias', 'bg', 'break', 'cd', 'command', 'continue', 'eval', 'exec', 'exit', 'export', 'fg', 'getopts', 'hash', 'jobs',
  'local', 'read', 'readonly', 'return', 'set', 'shift', 'source', 'times', 'trap', 'type', 'ulimit', 'umask', 'unalias', 'unset', 'wait',
]);

/**
 * The one command line sent over SSH for `argv` with the flags applied:
 *
 *     [exec su -s /bin/sh -c '] [export K='v' && ] [cd '/dir' && ] exec 'cmd' 'arg' [' USER]
 *
 * - argv of several words is quoted word by word and run with `exec`, so the
 *   guest process SSH signals (the session's own) is the command itself and a
 *   forwarded SIGINT reaches it; a builtin (`cd`, `ulimit`) runs in the shell.
 * - a single word is a shell snippet, as `vm ssh` and `vm run` always took it.
 * - no argv is a login shell.
 * - `--user` wraps everything in `su -s /bin/sh -c ... USER`: busybox su in
 *   the minimal image and util-linux su in debian take the same options, and
 *   the environment is exported after su so its reset cannot drop it.
 *
 * `defaultWorkdir` is the command's own directory (`vm run`: the repo); `--workdir` wins.
 */
export function remoteCommand(argv: readonly string[] | undefined, flags: Pick<ExecFlags, 'env' | 'workdir' | 'user'>, defaultWorkdir?: string): string {
  const parts: string[] = [];
  if (flags.env.length > 0) parts.push(`export ${flags.env.map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ')}`);
  const dir = flags.workdir ?? defaultWorkdir;
  if (dir !== undefined) parts.push(`cd ${shellQuote(dir)}`);
  let cmd: string;
  if (argv === undefined || argv.length === 0) cmd = 'exec "${SHELL:-sh}" -l';
  else if (argv.length === 1) cmd = commandLine(argv);
  else cmd = BUILTIN_ONLY.has(argv[0]!) ? commandLine(argv) : `exec ${commandLine(argv)}`;
  parts.push(cmd);
  const line = parts.join(' && ');
  if (flags.user === undefined) return line;
  return `exec su -s /bin/sh -c ${shellQuote(line)} ${shellQuote(flags.user)}`;
}

/**
 * One guest shell line that checks what the command needs before it runs, so
 * a missing user or directory is a clear error instead of su's or cd's
 * message and an exit code indistinguishable from the command's. Prints
 * `user` and/or `workdir` for each missing piece; nothing when all is there.
 */
export function preflightCommand(flags: Pick<ExecFlags, 'workdir' | 'user'>): string | undefined {
  const checks: string[] = [];
  if (flags.user !== undefined) checks.push(`id -u ${shellQuote(flags.user)} >/dev/null 2>&1 || echo user`);
  if (flags.workdir !== undefined) checks.push(`[ -d ${shellQuote(flags.workdir)} ] || echo workdir`);
  return checks.length > 0 ? checks.join('; ') : undefined;
}

export interface Terminals {
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
}

/**
 * The PTY rule: `-t` always gives one, `-T` never; with neither, a PTY only
 * when stdin and stdout are both terminals (so `| grep` and `> file` get
 * clean output without \r\n, and an editor on a terminal just works).
 */
export function wantsPty(tty: boolean | undefined, t: Terminals): boolean {
  if (tty !== undefined) return tty;
  return t.stdinIsTTY && t.stdoutIsTTY;
}

/** Whether local stdin is passed to the command: `-i`, else the command's default. */
export function wantsStdin(interactive: boolean, dflt: StdinDefault, t: Terminals): boolean {
  if (interactive) return true;
  if (dflt === 'always') return true;
  return dflt === 'terminal' && t.stdinIsTTY;
}

/**
 * The CLI's exit code for the guest command's end, as a shell reports it:
 * its exit status, or 128+N when a signal killed it (SIGINT → 130), with N
 * from Linux's numbering (the guest's kernel is Linux too). No status at all
 * means the connection dropped: 255, like ssh(1).
 */
export function exitCodeFor(code: number | null | undefined, signal?: string): number {
  if (typeof code === 'number') return code;
  if (signal) return 128 + signalNumber(signal);
  return 255;
}

/** "INT" or "SIGINT" → 2; an unknown name → 1 (still > 128, still a signal death). */
export function signalNumber(name: string): number {
  const key = (name.startsWith('SIG') ? name : `SIG${name}`) as keyof typeof osConstants.signals;
  return osConstants.signals[key] ?? 1;
}
