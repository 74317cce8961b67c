import { HostError } from '../../errors/index.js';
import { CommandSpawnError, describeCommand, type CommandRunner, type CommandResult, type RunOptions } from './runner.js';

/**
 * Runs a command and turns a non-zero exit or a missing binary into a
 * HostError whose message carries the command and its stderr.
 */
export async function runChecked(
  runner: CommandRunner,
  cmd: string,
  args: readonly string[],
  opts: RunOptions & { code?: string; hint?: string } = {},
): Promise<CommandResult> {
  let res: CommandResult;
  try {
    res = await runner.run(cmd, args, opts);
  } catch (err) {
    if (err instanceof CommandSpawnError && err.errno === 'ENOENT') {
      throw new HostError(`${cmd} is not installed`, { code: 'host.tool_missing', hint: `install the package that provides ${cmd}`, cause: err });
    }
    throw new HostError(`${describeCommand(cmd, args)} failed: ${(err as Error).message}`, { code: opts.code ?? 'host.command_failed', cause: err });
  }
  if (res.exitCode !== 0) {
    const detail = res.stderr.trim().split('\n').slice(-1)[0] ?? '';
    throw new HostError(`${describeCommand(cmd, args)} exited ${res.exitCode ?? 'by signal'}${detail ? `: ${detail}` : ''}`, {
      code: opts.code ?? 'host.command_failed',
      ...(opts.hint ? { hint: opts.hint } : {}),
    });
  }
  return res;
}
