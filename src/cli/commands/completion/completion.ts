import { Argument, type Command } from 'commander';
import { UsageError } from '../../../errors/index.js';
import { completionScript, INSTALL_HELP, SHELLS, type Shell } from '../../complete/scripts.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Print the shell completion script for bash, zsh or fish';

export function options(cmd: Command): void {
  // Choices: commander refuses another shell as a usage error, and completion offers the three.
  cmd.addArgument(new Argument('<shell>', 'the shell to complete for').choices(SHELLS)).addHelpText('after', INSTALL_HELP);
}

export function run({ args }: CommandInput): Promise<CommandOutput> {
  const shell = args[0] ?? '';
  if (!isShell(shell)) {
    throw new UsageError(`no completion for shell ${JSON.stringify(shell)}; banger completes ${SHELLS.join(', ')}`, {
      code: 'usage.invalid_value',
      hint: 'e.g. source <(banger completion bash)',
    });
  }
  const script = completionScript(shell);
  return Promise.resolve({ data: { shell, script }, human: script });
}

function isShell(s: string): s is Shell {
  return (SHELLS as readonly string[]).includes(s);
}
