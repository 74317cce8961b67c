import type { Command } from 'commander';
import { UsageError } from '../../../errors/index.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { proxySsh, type ProxyTarget } from './pipe.js';

export const describe = 'ProxyCommand for ssh NAME.vm (used by banger ssh-config)';

export function options(cmd: Command): void {
  cmd.argument('<host>', 'NAME.vm, as ssh passes it (%h)').argument('<port>', 'port, as ssh passes it (%p)');
}

/**
 * Resolves NAME.vm through bangerd (`vm.ssh`, which also touches the VM) and
 * pipes stdin/stdout to the guest. Errors reach ssh's terminal on stderr via
 * the CLI's error reporter; stdout carries only the guest's bytes.
 */
export async function run({ args, cli }: CommandInput): Promise<CommandOutput> {
  // stdout is the SSH byte stream: a JSON document there would corrupt the session (docs/cli/json.md).
  if (cli.json) throw new UsageError('ssh-proxy has no JSON output: its stdout is the SSH connection', { code: 'usage.json_unsupported', hint: 'ssh runs it (see banger ssh-config); drop --json' });
  const resolve = async (name: string): Promise<ProxyTarget> => {
    const client = await cli.daemon();
    try {
      const t = await client.call('vm.ssh', { name });
      return { host: t.host, port: t.port };
    } finally {
      client.close();
    }
  };
  try {
    await proxySsh(args[0]!, args[1]!, resolve, { stdin: process.stdin, stdout: process.stdout });
  } finally {
    // ssh may keep our stdin open after the guest closed: stop reading so the process can exit.
    process.stdin.destroy();
  }
  return { data: null, human: '' };
}
