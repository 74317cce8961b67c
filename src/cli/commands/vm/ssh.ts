import type { Command } from 'commander';
import { runInteractive } from '../../../guest/ssh/index.js';
import { addExecOptions, parseExecFlags, remoteCommand, wantsPty, wantsStdin } from '../../guest/exec-options.js';
import { checkGuestPrerequisites, runGuestCommand } from '../../guest/exec-run.js';
import { openGuestSession, vmLeftLine } from '../../guest/session.js';
import { UsageError } from '../../../errors/index.js';
import { captureUnderJson, capturedData, guestOutputs, localTerminals, refuseTtyWithJson } from '../../capture.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Open a shell in a VM, or run a command: banger vm ssh NAME -- CMD...';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id').argument('[command...]', 'command to run instead of a shell (after --)');
  // The same flags as vm exec; stdin always flows, as with ssh(1), so `echo x | banger vm ssh dev -- cat` keeps working.
  addExecOptions(cmd, { stdin: 'always' });
}

/** Exit code: the guest command's (or shell's) own, like ssh(1). */
export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  const [name, ...command] = args;
  const flags = parseExecFlags(opts, cli.env);
  if (cli.json && command.length === 0) {
    throw new UsageError('an interactive shell has no JSON output', {
      code: 'usage.json_unsupported',
      hint: `give a command to get its output as JSON: banger vm ssh ${name ?? 'NAME'} --json -- uname -a`,
    });
  }
  refuseTtyWithJson(cli.json, flags.tty, `banger vm ssh ${name ?? 'NAME'} -- ${command.join(' ')}`);
  // Under --json the command's output is collected into the document (never a PTY: it would merge the two).
  const captured = captureUnderJson(cli.json);
  const client = await cli.daemon();
  let exitCode: number;
  let stillRunning = false;
  try {
    const { session, vmLeft } = await openGuestSession(client, name!, { quiet: cli.json });
    try {
      const terminals = localTerminals(captured);
      const plainShell = command.length === 0 && flags.env.length === 0 && flags.workdir === undefined && flags.user === undefined;
      await checkGuestPrerequisites(session.client, name!, flags);
      if (plainShell && terminals.stdinIsTTY && terminals.stdoutIsTTY && flags.tty !== false) {
        // A login shell on the terminal: the SSH shell request, as ssh(1) makes.
        exitCode = (await runInteractive(session.client, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr })).code;
      } else {
        exitCode = await runGuestCommand(
          session.client,
          remoteCommand(command.length > 0 ? command : undefined, flags),
          { stdin: process.stdin, ...guestOutputs(captured), signals: process },
          { pty: captured ? false : wantsPty(flags.tty, terminals), stdin: wantsStdin(flags.interactive, 'always', terminals) },
        );
      }
    } finally {
      session.close();
    }
    const left = vmLeft();
    if (left !== null) {
      // Like ssh(1) on a lost connection: 255, and why.
      process.stderr.write(`${vmLeftLine(name!, left)}\n`);
      exitCode = 255;
    } else if (command.length === 0 && process.stdout.isTTY) {
      stillRunning = (await client.call('vm.show', { name: name! }).catch(() => undefined))?.state === 'running';
    }
  } finally {
    client.close();
  }
  const reminder = stillRunning ? `${name} is still running; stop it with: banger vm stop ${name}` : '';
  if (reminder) process.stderr.write(`${reminder}\n`);
  return { data: { name, exitCode, ...capturedData(captured) }, human: '', exitCode };
}
