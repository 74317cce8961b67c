import type { Command } from 'commander';
import type { Env, Layout } from '../../host/layout.js';
import type { RpcClient } from '../../rpc/index.js';

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
}

/** A command's return: the data (printed as JSON with --json) and the human rendering. */
export interface CommandOutput {
  data: unknown;
  human: string;
  /** Exit code when the command succeeded but reports a negative (e.g. not running). @default 0 */
  exitCode?: number;
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

export interface CommandEntry {
  name: string;
  describe: string;
  load: () => Promise<CommandModule>;
}

export interface CommandGroup {
  name: string;
  describe: string;
  commands: readonly CommandEntry[];
}
