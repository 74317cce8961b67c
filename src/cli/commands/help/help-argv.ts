import { UsageError } from '../../../errors/index.js';
import type { CommandGroup } from '../types.js';

/**
 * `banger help [CMD...]` (and `banger vm help [CMD...]`, as commander lists
 * it under every group) is `banger CMD... --help`: rewritten here, before
 * parsing, so the invoked command's module is loaded and its help shows its
 * options and examples. Commander's own help command shows one level only
 * and exits non-zero. Returns undefined when argv asks no help.
 * @throws UsageError naming the nearest valid help for an unknown command.
 */
export function helpArgv(argv: readonly string[], groups: readonly CommandGroup[]): string[] | undefined {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  const words = head.filter((a) => !a.startsWith('-'));
  const at = words.indexOf('help');
  if (at === -1 || at > 2 || !isGroupPath(words.slice(0, at), groups)) return undefined;
  const path = words.filter((_, i) => i !== at);
  const known = knownPrefix(path, groups);
  if (known.length < path.length) {
    throw new UsageError(`unknown command '${path.join(' ')}'`, {
      code: 'usage.unknown_command',
      hint: `see banger ${known.map((w) => `${w} `).join('')}--help`,
    });
  }
  return [...path, ...head.filter((a) => a.startsWith('-')), '--help'];
}

/** True when `words` name the top level, a group or a subgroup: a place where `help` is not an argument. */
function isGroupPath(words: readonly string[], groups: readonly CommandGroup[]): boolean {
  if (words.length === 0) return true;
  const group = groups.find((g) => g.name === words[0]);
  if (!group || group.load) return false;
  if (words.length === 1) return true;
  const entry = group.commands.find((e) => e.name === words[1]);
  return words.length === 2 && entry !== undefined && 'commands' in entry;
}

/** The longest prefix of `path` that names commands. A self-registering group's words are left to commander. */
function knownPrefix(path: readonly string[], groups: readonly CommandGroup[]): string[] {
  const group = groups.find((x) => x.name === path[0]);
  if (!group) return [];
  if (group.register) return [...path];
  const entry = group.commands.find((e) => e.name === path[1]);
  if (!entry) return [group.name];
  const child = 'commands' in entry ? entry.commands.find((x) => x.name === path[2]) : undefined;
  return child ? [group.name, entry.name, child.name] : [group.name, entry.name];
}
