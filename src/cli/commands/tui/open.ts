import { InternalError, InvalidInputError, UsageError } from '../../../errors/index.js';
import { distPath } from '../../../host/package-root.js';
import { RpcClient } from '../../../rpc/index.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Live table of VMs (Ink TUI): start, stop, restart, delete, logs, filter (/), a shell (x), keys (?)';

export interface TtyCheck {
  stdoutIsTty: boolean;
  stdinIsTty: boolean;
}

/** The TUI draws with cursor control and reads raw keys: both ends must be a terminal. */
export function assertTerminal(t: TtyCheck): void {
  if (!t.stdoutIsTty || !t.stdinIsTty) {
    const which = !t.stdoutIsTty ? 'stdout' : 'stdin';
    throw new InvalidInputError(`the TUI needs an interactive terminal, but ${which} is not a TTY`, {
      code: 'tui.not_a_tty',
      hint: 'run it in a terminal; in scripts use: banger vm list --json',
    });
  }
}

/** What `banger tui` fails with when the app crashes: one line and a hint; --debug prints the crash's own stack. */
export function tuiCrashError(err: unknown): InternalError {
  const crashed = new InternalError(`the TUI crashed: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
    code: 'tui.crashed',
    hint: 'this is a bug in banger; rerun with --debug to print the stack',
  });
  if (err instanceof Error && err.stack) crashed.stack = `${crashed.name}: ${crashed.message}\ncaused by: ${err.stack}`;
  return crashed;
}

export async function run({ cli }: CommandInput): Promise<CommandOutput> {
  // A full-screen view has nothing to put in one JSON document (docs/cli/json.md).
  if (cli.json) throw new UsageError('the TUI has no JSON output', { code: 'usage.json_unsupported', hint: 'for scripts use: banger vm list --json' });
  assertTerminal({ stdoutIsTty: process.stdout.isTTY === true, stdinIsTty: process.stdin.isTTY === true });
  // First connect outside Ink, so a daemon that cannot start fails like any other command.
  const first = await cli.daemon();
  // Ink reads CI/CONTINUOUS_INTEGRATION once at import and then draws only a final frame; on a
  // terminal the user asked for a live view (CI runners and tmux tests set CI=true too).
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = 'false';
  // Ink and the app load only here: the rest of the CLI never pays for React.
  const { createDaemonSource, runTui } = await import('../../../../tui/index.js');
  const source = createDaemonSource({
    // Reconnects only connect: a daemon the user stopped on purpose is not started again behind their back.
    connect: (initial) => (initial ? Promise.resolve(first) : RpcClient.connect(cli.layout.daemonSocket, { timeoutMs: 1000 })),
  });
  try {
    await runTui({ source, shellCommand: (name) => ({ command: process.execPath, args: [cliMain(), 'vm', 'ssh', name] }) });
  } catch (err) {
    // The terminal is back on the normal screen here, so the CLI's error report is visible.
    throw tuiCrashError(err);
  } finally {
    source.close();
  }
  return { data: null, human: '' };
}

/**
 * This CLI's entry script, found the way ssh-config finds it: the shell key runs
 * `node main.js vm ssh NAME`, not whatever `banger` PATH happens to hold.
 */
function cliMain(): string {
  return distPath('src/cli/main.js');
}
