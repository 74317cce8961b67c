import type { Command } from 'commander';
import type { Env, Layout } from '../../host/layout.js';
import type { RpcClient } from '../../rpc/index.js';
import type { TargetResult } from '../envelope.js';

export type { TargetResult } from '../envelope.js';

/** What every command gets: paths, global flags, and a lazily started daemon client. */
export interface CliContext {
  /** The raw arguments (after `banger`), for commands that split at `--` themselves. */
  argv: readonly string[];
  env: Env;
  layout: Layout;
  json: boolean;
  debug: boolean;
  /** Connects to bangerd, starting it when its socket does not answer. */
  daemon(): Promise<RpcClient>;
  /**
   * For commands that keep running (`ui`, `debug viz`): prints the result now,
   * as the invocation's one envelope under --json; what the command returns
   * later is then not printed again.
   */
  announce(result: CommandOutput): void;
}

/**
 * A command's return: the data (the envelope's `data` with --json) and the
 * human rendering. Commands never build the envelope themselves (src/cli/output.ts does).
 */
export interface CommandOutput {
  data: unknown;
  human: string;
  /** Exit code when the command succeeded but reports a negative (e.g. not running). @default 0 */
  exitCode?: number;
  /**
   * NAME... commands (`vm stop a b`): one outcome per name. When set, the
   * envelope carries `results` (not `data`), `human` holds the successes'
   * lines, each failure is printed as `banger: NAME: message` on stderr, and
   * the exit code is the first failure's.
   */
  results?: readonly TargetResult[];
}

export interface CommandInput {
  args: string[];
  opts: Record<string, unknown>;
  cli: CliContext;
}

/**
 * Shape of `src/cli/commands/<group>/<cmd>.ts`: `describe` (one line),
 * optional `options(cmd)` adding arguments/options, and `run`. The module is
 * imported only when its command is invoked, so startup stays fast.
 */
export interface CommandModule {
  describe: string;
  options?: (cmd: Command) => void;
  run(input: CommandInput): Promise<CommandOutput>;
}

/**
 * What a positional argument's value is, for shell completion: names asked
 * from a running bangerd, or host paths. See src/cli/complete/kinds.ts for how
 * it is derived from argument names when an entry does not declare it.
 */
export type ArgKind = 'vm' | 'image' | 'snapshot' | 'file' | 'none';

/**
 * Fields every node of the command tree has besides its name. `examples` are
 * shown under "Examples:" in its --help: whole command lines starting with
 * `banger`, optionally followed by `  # what it does` (a test parses each one
 * against the command's real arguments and options).
 */
interface TreeNodeFields {
  describe: string;
  examples?: readonly string[];
}

export interface CommandEntry extends TreeNodeFields {
  name: string;
  /** Argument name → kind, only where the name alone misleads (`vm fork <source>` is a VM or snapshot). */
  complete?: Readonly<Record<string, ArgKind | readonly ArgKind[]>>;
  /** Runs when the group is invoked with no command (`banger tui`). */
  isDefault?: boolean;
  load: () => Promise<CommandModule>;
}

/**
 * A command word with subcommands of its own (`banger vm snapshot list`). One
 * of them may be `isDefault`: it runs when the next word is none of theirs
 * (`banger vm snapshot dev` is `banger vm snapshot create dev`).
 */
export interface CommandSubgroup extends TreeNodeFields {
  name: string;
  commands: readonly CommandEntry[];
}

/** Where a self-registering group writes and which environment it sees. */
export interface RegisterIo {
  env: Env;
  write: (text: string) => void;
  /** The global --json flag (commander may consume it at the program level). */
  json: boolean;
}

/** Adds a whole commander subtree (`banger system ...`) under `program`. */
export type RegisterGroup = (program: Command, io: RegisterIo) => void;

/**
 * A top-level word of the CLI. Exactly one of three shapes:
 * - `commands`: a group of subcommands (`banger vm list`);
 * - `load` with `commands: []`: the word is itself one command (`banger doctor`);
 * - `register` with `commands: []`: a module that builds its own commander
 *   subtree (`banger system ...`), loaded only when invoked.
 */
export interface CommandGroup extends TreeNodeFields {
  name: string;
  /** As on CommandEntry, for a group that is one command (`load`). */
  complete?: CommandEntry['complete'];
  commands: readonly (CommandEntry | CommandSubgroup)[];
  load?: () => Promise<CommandModule>;
  register?: () => Promise<RegisterGroup>;
}
