import { createElement } from 'react';
import { InvalidInputError } from '../../../errors/index.js';
import { RpcClient } from '../../../rpc/index.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Live table of VMs (Ink TUI): start, stop, restart, delete, logs';

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

export async function run({ cli }: CommandInput): Promise<CommandOutput> {
  assertTerminal({ stdoutIsTty: process.stdout.isTTY === true, stdinIsTty: process.stdin.isTTY === true });
  // First connect outside Ink, so a daemon that cannot start fails like any other command.
  const first = await cli.daemon();
  // Ink reads CI/CONTINUOUS_INTEGRATION once at import and then draws only a final frame; on a
  // terminal the user asked for a live view (CI runners and tmux tests set CI=true too).
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = 'false';
  // Ink and the app load only here: the rest of the CLI never pays for React.
  const [{ render }, { App, createDaemonSource, fullScreen }] = await Promise.all([import('ink'), import('../../../../tui/index.js')]);
  const source = createDaemonSource({
    // Reconnects only connect: a daemon the user stopped on purpose is not started again behind their back.
    connect: (initial) => (initial ? Promise.resolve(first) : RpcClient.connect(cli.layout.daemonSocket, { timeoutMs: 1000 })),
  });
  const screen = fullScreen(process.stdout);
  screen.attach();
  try {
    const app = render(createElement(App, { source }), { exitOnCtrlC: true });
    screen.setForget(() => app.clear());
    await app.waitUntilExit();
  } finally {
    screen.detach();
    source.close();
  }
  return { data: null, human: '' };
}
