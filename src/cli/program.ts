import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors/index.js';
import { resolveLayout, type Env } from '../host/layout.js';
import type { RpcClient } from '../rpc/client.js';
import { packageVersion } from '../wire/version.js';
import { GROUPS } from './commands/index.js';
import type { CliContext, CommandGroup, CommandModule } from './commands/index.js';
import { ensureDaemon } from './daemon-client.js';
import { print } from './output.js';
import { reportError, type ReportIo } from './report-error.js';

export interface RunCliOptions {
  env?: Env;
  io?: ReportIo;
  groups?: readonly CommandGroup[];
}

const defaultIo: ReportIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

/**
 * Runs one CLI invocation and resolves to its exit code. Only the module of
 * the invoked command is imported; the others are declared by name and
 * description so `--help` still lists them.
 */
export async function runCli(argv: readonly string[], opts: RunCliOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const io = opts.io ?? defaultIo;
  const groups = opts.groups ?? GROUPS;
  const flags = scanFlags(argv);
  const layout = resolveLayout(env);
  let exitCode = 0;

  const cli: CliContext = {
    argv,
    env,
    layout,
    json: flags.json,
    debug: flags.debug,
    daemon: (): Promise<RpcClient> => ensureDaemon(layout, { env }),
  };

  const program = new Command('banger')
    .description('Local sandbox manager: throwaway Linux microVMs for developers')
    .version(packageVersion(), '-V, --version')
    .option('--json', 'print machine-readable JSON')
    .option('--debug', 'print stack traces on errors')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // Commander's own usage errors, in banger's one-line style (or silent under --json; reported below).
      outputError: (str, write) => {
        if (flags.json) return;
        write(`banger: ${str.replace(/^error: /, '').trim()}\n  hint: see banger ${usagePath(argv, groups)}--help\n`);
      },
    });

  const attach = (c: Command, mod: CommandModule): void => {
    mod.options?.(c);
    c.option('--json', 'print machine-readable JSON').option('--debug', 'print stack traces on errors');
    c.action(async () => {
      // Variadic arguments arrive as one array and absent optional ones as undefined: flatten to the words given.
      const args = (c.processedArgs as unknown[]).flat().filter((a) => a !== undefined).map(String);
      const result = await mod.run({ args, opts: c.optsWithGlobals(), cli });
      print(result, { json: cli.json, write: io.stdout });
      exitCode = result.exitCode ?? 0;
    });
  };

  const [groupName, cmdName] = positionals(argv);
  for (const group of groups) {
    if (group.register) {
      // A self-registering subtree is built only when invoked; otherwise a placeholder keeps --help complete.
      if (group.name === groupName) (await group.register())(program, { env, write: io.stdout, json: flags.json });
      else program.command(group.name).description(group.describe);
      continue;
    }
    const g = program.command(group.name).description(group.describe);
    if (group.load) {
      if (group.name === groupName) attach(g, await group.load());
      continue;
    }
    for (const entry of group.commands) {
      const c = g.command(entry.name, entry.isDefault ? { isDefault: true } : {}).description(entry.describe);
      const invoked = entry.name === cmdName || (entry.isDefault === true && !group.commands.some((x) => x.name === cmdName));
      if (group.name !== groupName || !invoked) continue;
      attach(c, await entry.load());
    }
  }

  try {
    await program.parseAsync(['node', 'banger', ...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      if (flags.json) return reportError(new UsageError(err.message.replace(/^error: /, '')), flags, io);
      return 2;
    }
    return reportError(err, flags, io);
  }
}

/** Global flags are read before parsing so even a parse failure is reported in the asked-for style. */
function scanFlags(argv: readonly string[]): { json: boolean; debug: boolean } {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  return { json: head.includes('--json'), debug: head.includes('--debug') };
}

function positionals(argv: readonly string[]): [string | undefined, string | undefined] {
  const words = argv.filter((a) => !a.startsWith('-'));
  return [words[0], words[1]];
}

function usagePath(argv: readonly string[], groups: readonly CommandGroup[]): string {
  const [g, c] = positionals(argv);
  const group = groups.find((x) => x.name === g);
  if (!group) return '';
  return group.commands.some((x) => x.name === c) ? `${g} ${c} ` : `${g} `;
}
