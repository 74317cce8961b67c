import type { Command } from 'commander';
import { ConflictError, UsageError } from '../../../errors/index.js';
import { addExecOptions, parseExecFlags, remoteCommand, wantsPty, wantsStdin } from '../../guest/exec-options.js';
import { checkGuestPrerequisites, runGuestCommand } from '../../guest/exec-run.js';
import { openGuestSession, vmLeftLine } from '../../guest/session.js';
import { captureUnderJson, capturedData, guestOutputs, localTerminals, refuseTtyWithJson } from '../../capture.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Run a command in a running VM: banger vm exec NAME [-e K=V] [-w DIR] [-u USER] [-i] [-t] -- CMD...';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id').argument('[command...]', 'command and arguments (after --); one word is a shell snippet');
  addExecOptions(cmd, { stdin: 'never' });
  cmd.addHelpText(
    'after',
    [
      '',
      'stdin reaches the command only with -i (as with docker exec). A PTY is given with -t,',
      'never with -T, and otherwise only when stdin and stdout are both terminals.',
      'Exit code: the command\'s own; 128+N when signal N killed it; 255 when the connection dropped.',
      'Ctrl-C, SIGTERM and SIGHUP are sent to the guest command; a second Ctrl-C kills it.',
    ].join('\n'),
  );
}

/** Exit code: the guest command's (see exitCodeFor). */
export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const [name, ...command] = args;
  if (command.length === 0) throw new UsageError('no command to run', { code: 'exec.no_command', hint: `give it after --: banger vm exec ${name ?? 'NAME'} -- uname -a` });
  const flags = parseExecFlags(opts, cli.env);
  refuseTtyWithJson(cli.json, flags.tty, `banger vm exec ${name ?? 'NAME'} -- ${command.join(' ')}`);
  // Under --json the command's output is collected into the document (never a PTY: it would merge the two).
  const captured = captureUnderJson(cli.json);
  const terminals = localTerminals(captured);
  const line = remoteCommand(command, flags);
  const client = await cli.daemon();
  let exitCode: number;
  try {
    const { session, vmLeft } = await openGuestSession(client, name!, { quiet: cli.json }).catch((err: unknown) => {
      // The daemon words it for ssh ("cannot ssh into"); say what was asked, keep its hint (start or resume).
      if (err instanceof ConflictError && err.code === 'vm.not_running') {
        throw new ConflictError(err.message.replace('cannot ssh into', 'cannot run a command in'), { code: err.code, hint: err.hint, cause: err });
      }
      throw err;
    });
    try {
      await checkGuestPrerequisites(session.client, name!, flags);
      exitCode = await runGuestCommand(
        session.client,
        line,
        { stdin: process.stdin, ...guestOutputs(captured), signals: process },
        { pty: captured ? false : wantsPty(flags.tty, terminals), stdin: wantsStdin(flags.interactive, 'never', terminals) },
      );
    } finally {
      session.close();
    }
    const left = vmLeft();
    if (left !== null) {
      process.stderr.write(`${vmLeftLine(name!, left)}\n`);
      exitCode = 255;
    }
  } finally {
    client.close();
  }
  return { data: { name, exitCode, ...capturedData(captured) }, human: '', exitCode };
}
