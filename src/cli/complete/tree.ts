import { Command, type Option } from 'commander';
import type { ArgKind, CommandEntry, CommandGroup, CommandModule, CommandSubgroup } from '../commands/types.js';
import { argKinds, choicesFromDescription, optionValueKinds } from './kinds.js';

/** A positional argument as declared in its command module. */
export interface ArgSpec {
  name: string;
  required: boolean;
  variadic: boolean;
  kinds: readonly ArgKind[];
  /** Fixed values (commander's `.choices()`), offered instead of `kinds`. */
  choices: readonly string[];
}

export interface OptionSpec {
  short?: string;
  long?: string;
  description: string;
  takesValue: boolean;
  /** A required option (`vm fork --name`): commander refuses the command line without it. */
  mandatory?: boolean;
  /** Fixed values (commander choices, or an `a|b|c` list in the description). */
  choices: readonly string[];
  valueKinds: readonly ArgKind[];
}

export interface LeafSpec {
  args: readonly ArgSpec[];
  options: readonly OptionSpec[];
}

/**
 * One word of the CLI as completion and help see it: a group (children,
 * maybe a default child that runs when the next word is none of them) or a
 * leaf whose arguments and options come from its module, loaded only when a
 * completion reaches it.
 */
export interface TreeNode {
  name: string;
  describe: string;
  examples: readonly string[];
  children?: () => Promise<readonly TreeNode[]>;
  defaultChild?: string;
  spec?: () => Promise<LeafSpec>;
}

const HELP: OptionSpec = { short: '-h', long: '--help', description: 'display help for command', takesValue: false, choices: [], valueKinds: ['none'] };
/** The program-level flags commander accepts after any command word too. */
const GLOBALS: readonly OptionSpec[] = [
  { long: '--json', description: 'print machine-readable JSON', takesValue: false, choices: [], valueKinds: ['none'] },
  { long: '--debug', description: 'print stack traces on errors', takesValue: false, choices: [], valueKinds: ['none'] },
  HELP,
];
export const ROOT_OPTIONS: readonly OptionSpec[] = [...GLOBALS, { short: '-V', long: '--version', description: 'output the version number', takesValue: false, choices: [], valueKinds: ['none'] }];
export const GROUP_OPTIONS: readonly OptionSpec[] = GLOBALS;

/** The whole tree from the registry, modules not loaded; `help` mirrors the top level (`banger help vm snapshot`). */
export function commandTree(groups: readonly CommandGroup[], rootExamples: readonly string[] = []): TreeNode {
  const top = groups.map(groupNode);
  const helpNode: TreeNode = { name: 'help', describe: 'Show help for a command', examples: [], children: () => Promise.resolve(top) };
  return { name: 'banger', describe: '', examples: rootExamples, children: () => Promise.resolve([...top, helpNode]) };
}

function groupNode(group: CommandGroup): TreeNode {
  const base = { name: group.name, describe: group.describe, examples: group.examples ?? [] };
  if (group.register) {
    const register = group.register;
    return { ...base, children: () => registeredChildren(group.name, register) };
  }
  if (group.load) return { ...base, spec: leafLoader(group.name, group.load, group.complete) };
  const kids = group.commands.map((e) => ('commands' in e ? subgroupNode(group.name, e) : entryNode(group.name, e)));
  const def = group.commands.find((e): e is CommandEntry => !('commands' in e) && e.isDefault === true);
  return { ...base, children: () => Promise.resolve(kids), ...(def ? { defaultChild: def.name } : {}) };
}

function subgroupNode(group: string, sub: CommandSubgroup): TreeNode {
  const kids = sub.commands.map((e) => entryNode(group, e));
  const def = sub.commands.find((e) => e.isDefault === true);
  return { name: sub.name, describe: sub.describe, examples: sub.examples ?? [], children: () => Promise.resolve(kids), ...(def ? { defaultChild: def.name } : {}) };
}

function entryNode(group: string, e: CommandEntry): TreeNode {
  return { name: e.name, describe: e.describe, examples: e.examples ?? [], spec: leafLoader(group, e.load, e.complete) };
}

function leafLoader(group: string, load: () => Promise<CommandModule>, override: CommandEntry['complete']): () => Promise<LeafSpec> {
  return async () => {
    // The module declares its arguments on a commander Command; a throwaway one is the cheapest way to read them back.
    const cmd = new Command('x');
    (await load()).options?.(cmd);
    return specOf(cmd, group, override);
  };
}

/** A self-registering group (`system`) builds its commander subtree on a scratch program; its leaves are read from that. */
async function registeredChildren(group: string, register: NonNullable<CommandGroup['register']>): Promise<readonly TreeNode[]> {
  const program = new Command('banger');
  (await register())(program, { env: {}, write: () => undefined, json: false });
  const root = program.commands.find((c) => c.name() === group);
  return (root?.commands ?? []).map((c) => ({
    name: c.name(),
    describe: c.description(),
    examples: [],
    spec: () => Promise.resolve(specOf(c, group, undefined)),
  }));
}

export function specOf(cmd: Command, group: string, override: CommandEntry['complete']): LeafSpec {
  const args = cmd.registeredArguments.map((a) => ({
    name: a.name(),
    required: a.required,
    variadic: a.variadic,
    kinds: argKinds(group, a.name(), override?.[a.name()]),
    choices: a.argChoices ?? [],
  }));
  const own = cmd.options.map(optionSpec);
  const extra = GLOBALS.filter((g) => !own.some((o) => o.long === g.long));
  return { args, options: [...own, ...extra] };
}

function optionSpec(o: Option): OptionSpec {
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1] ?? '';
  return {
    ...(o.short ? { short: o.short } : {}),
    ...(o.long ? { long: o.long } : {}),
    description: o.description,
    takesValue: o.required || o.optional,
    ...(o.mandatory ? { mandatory: true } : {}),
    choices: o.argChoices ?? choicesFromDescription(o.description),
    valueKinds: optionValueKinds(o.long, valueName),
  };
}
