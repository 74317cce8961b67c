import type { Command } from 'commander';
import { commandLine, execStream, runInteractive } from '../../../guest/ssh/index.js';
import { openGuestSession, vmLeftLine } from '../../guest/session.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Open a shell in a VM, or run a command: banger vm ssh NAME -- CMD...';

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id').argument('[command...]', 'command to run instead of a shell (after --)');
}

/** Exit code: the guest command's (or shell's) own, like ssh(1). */
export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  const [name, ...command] = args;
  const client = await cli.daemon();
  let exitCode: number;
  let stillRunning = false;
  try {
    const { session, vmLeft } = await openGuestSession(client, name!);
    try {
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
      const cmd = command.length > 0 ? commandLine(command) : undefined;
      if (interactive) {
        exitCode = (await runInteractive(session.client, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, cmd)).code;
      } else {
        exitCode = (await execStream(session.client, cmd ?? 'exec sh -l', { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin })).code;
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
  return { data: { name, exitCode }, human: '', exitCode };
}
