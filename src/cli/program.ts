import { Command, CommanderError } from 'commander';
import { resolveLayout, type Env } from '../host/layout.js';
import type { RpcClient } from '../rpc/client.js';
import { packageVersion } from '../wire/version.js';
import { GROUPS, PROGRAM_EXAMPLES } from './commands/index.js';
import type { CliContext, CommandGroup, CommandModule } from './commands/index.js';
import { commandPath } from './command-path.js';
import { addExamples } from './examples.js';
import { onTerminal, writeFd } from './fd-write.js';
import { print } from './output.js';
import { reportError, type ReportIo } from './report-error.js';
import { fromCommanderError } from './usage-error.js';

export interface RunCliOptions {
  env?: Env;
  io?: ReportIo;
  groups?: readonly CommandGroup[];
  /** Connects to bangerd; tests pass a fake. @default ensureDaemon on the layout's socket */
  daemon?: () => Promise<RpcClient>;
}

const defaultIo: ReportIo = {
  stdout: (t) => writeFd(1, t),
  stderr: (t) => writeFd(2, t),
};

/**
 * Runs one CLI invocation and resolves to its exit code. Only the module of
 * the invoked command is imported; the others are declared by name and
 * description so `--help` still lists them.
 */
export async function runCli(rawArgv: readonly string[], opts: RunCliOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const io = opts.io ?? defaultIo;
  const groups = opts.groups ?? GROUPS;
  const flags = scanFlags(rawArgv);
  const layout = resolveLayout(env);
  let exitCode = 0;
  // The envelope's `command`: set when commander picks the command to run, or when it fails parsing one.
  let command = '';
  let announced = false;
  const printOpts = () => ({ json: flags.json, command, write: io.stdout, writeErr: io.stderr });

  // Hidden: what the shell completion scripts call on TAB (never through commander: the words are not a command line to parse).
  if (rawArgv[0] === '__complete') {
    const { runComplete } = await import('./complete/run.js');
    return runComplete(rawArgv.slice(1), { groups, socketPath: layout.daemonSocket, write: io.stdout });
  }
  let argv = rawArgv;
  if (rawArgv.includes('help')) {
    // `banger help vm list` is `banger vm list --help`.
    const { helpArgv } = await import('./commands/help/help-argv.js');
    try {
      argv = helpArgv(rawArgv, groups) ?? rawArgv;
    } catch (err) {
      return reportError(err, flags, io);
    }
  }

  const cli: CliContext = {
    argv,
    env,
    layout,
    json: flags.json,
    debug: flags.debug,
    // Imported on first use: `--help` and local commands never load the RPC client (start-up time).
    daemon: opts.daemon ?? (async (): Promise<RpcClient> => (await import('./daemon-client.js')).ensureDaemon(layout, { env, quiet: flags.json })),
    announce: (result) => {
      announced = true;
      exitCode = print(result, printOpts());
    },
  };

  const program = new Command('banger')
    .description('Local sandbox manager: throwaway Linux microVMs for developers')
    .version(packageVersion(), '-V, --version')
    .option('--json', 'print machine-readable JSON')
    .option('--debug', 'print stack traces on errors')
    // Listed only: `help` is rewritten to `CMD... --help` before commander parses (see helpArgv).
    .helpCommand('help [command...]', 'show help for a command, with examples (banger help vm snapshot)')
    // A function, not an arrow: commander calls it as a method of the command whose parse failed,
    // which is how a usage error learns its command path. Subcommands inherit it.
    .exitOverride(function (this: Command, err: CommanderError): never {
      command = commandPath(this);
      throw err;
    })
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // Commander's own usage errors are reported below, with a code and the command's path.
      outputError: () => undefined,
      // Commander's defaults ask process.stdout/stderr, which on a pipe creates a net.Socket (start-up time):
      // only a terminal has a width, and banger's help has no colour to keep.
      getOutHelpWidth: () => (onTerminal(1) ? process.stdout.columns : 80),
      getErrHelpWidth: () => (onTerminal(2) ? process.stderr.columns : 80),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
  program.hook('preAction', (_program, actionCommand) => {
    command = commandPath(actionCommand);
  });
  addExamples(program, PROGRAM_EXAMPLES);

  const attach = (c: Command, mod: CommandModule): void => {
    mod.options?.(c);
    c.option('--json', 'print machine-readable JSON').option('--debug', 'print stack traces on errors');
    c.action(async () => {
      // Variadic arguments arrive as one array and absent optional ones as undefined: flatten to the words given.
      const args = (c.processedArgs as unknown[]).flat().filter((a) => a !== undefined).map(String);
      const result = await mod.run({ args, opts: c.optsWithGlobals(), cli });
      // A command that announced itself (a server) already printed its one document.
      if (!announced) exitCode = print(result, printOpts());
    });
  };

  const [groupName, cmdName] = positionals(argv);
  for (const group of groups) {
    if (group.register) {
      // A self-registering subtree is built only when invoked; otherwise a placeholder keeps --help complete.
      if (group.name === groupName) {
        (await group.register())(program, { env, write: io.stdout, json: flags.json });
        addRegisteredExamples(program, group);
      } else addExamples(program.command(group.name).description(group.describe), group.examples);
      continue;
    }
    const g = program.command(group.name).description(group.describe);
    addExamples(g, group.examples);
    if (group.load) {
      if (group.name === groupName) attach(g, await group.load());
      continue;
    }
    for (const entry of group.commands) {
      if ('commands' in entry) {
        // Declared whole (names only, for --help and dispatch); the one commander dispatches to is loaded just before it parses.
        const sub = g.command(entry.name).description(entry.describe);
        addExamples(sub, entry.examples);
        for (const child of entry.commands) addExamples(sub.command(child.name, child.isDefault ? { isDefault: true } : {}).description(child.describe), child.examples);
        sub.hook('preSubcommand', async (_parent, leaf) => {
          const child = entry.commands.find((x) => x.name === leaf.name());
          if (child) attach(leaf, await child.load());
        });
        continue;
      }
      const c = g.command(entry.name, entry.isDefault ? { isDefault: true } : {}).description(entry.describe);
      addExamples(c, entry.examples);
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
      // Commander's own help command (`banger system help install`) asked for help: 0.
      if (err.code === 'commander.help' && err.exitCode === 0) return 0;
      // `banger vm` alone: commander has shown the group's help on stderr, which is all a person needs.
      if (err.code === 'commander.help' && !flags.json) return 2;
      // No stack even with --debug: it would be of the error made here, not of anything that went wrong.
      return reportError(fromCommanderError(err, command), { ...flags, debug: false, command }, io);
    }
    // After a server announced itself under --json, stdout already holds its one document: the failure goes to stderr.
    return reportError(err, { ...flags, json: flags.json && !announced, command }, io);
  }
}

/** A self-registering group's examples, on the group and on each subcommand the example starts with. */
function addRegisteredExamples(program: Command, group: CommandGroup): void {
  const root = program.commands.find((c) => c.name() === group.name);
  if (!root) return;
  addExamples(root, group.examples);
  for (const sub of root.commands) {
    const words = ` banger ${group.name} ${sub.name()} `;
    addExamples(sub, group.examples?.filter((e) => ` ${e} `.includes(words)));
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
