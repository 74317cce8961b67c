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
  /** Connects to bangerd; tests pass a fake. @default ensureDaemon on the layout's socket */
  daemon?: () => Promise<RpcClient>;
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
    daemon: opts.daemon ?? ((): Promise<RpcClient> => ensureDaemon(layout, { env, quiet: flags.json })),
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
      if ('commands' in entry) {
        // Declared whole (names only, for --help and dispatch); the one commander dispatches to is loaded just before it parses.
        const sub = g.command(entry.name).description(entry.describe);
        for (const child of entry.commands) sub.command(child.name, child.isDefault ? { isDefault: true } : {}).description(child.describe);
        sub.hook('preSubcommand', async (_parent, leaf) => {
          const child = entry.commands.find((x) => x.name === leaf.name());
          if (child) attach(leaf, await child.load());
        });
        continue;
      }
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

function positionals(argv: readonly string[]): [string | undefined, string | undefined, string | undefined] {
  const words = argv.filter((a) => !a.startsWith('-'));
  return [words[0], words[1], words[2]];
}

function usagePath(argv: readonly string[], groups: readonly CommandGroup[]): string {
  const [g, c, sub] = positionals(argv);
  const group = groups.find((x) => x.name === g);
  if (!group) return '';
  const entry = group.commands.find((x) => x.name === c);
  if (!entry) return `${g} `;
  return 'commands' in entry && entry.commands.some((x) => x.name === sub) ? `${g} ${c} ${sub} ` : `${g} ${c} `;
}
