import type { ArgKind } from '../commands/types.js';

/**
 * What a positional argument completes to, derived from its name in the
 * command module (`<names...>`, `[name]`, `<snapshot>`, `<src>`) and the
 * group it sits in: `<name>` is a VM under `vm` and an image under `image`.
 * Deriving it from the module's own declaration, not a separate list, is
 * what keeps completion from drifting when a command changes; an entry's
 * `complete` field overrides it where a name is ambiguous.
 */
export function argKinds(group: string, argName: string, override?: ArgKind | readonly ArgKind[]): readonly ArgKind[] {
  if (override !== undefined) return typeof override === 'string' ? [override] : override;
  const noun = GROUP_NOUN[group];
  if ((argName === 'name' || argName === 'names') && noun) return [noun];
  return [BY_ARG_NAME[argName] ?? 'none'];
}

/** An option's value: `--image <image>` completes images; `--name` always names something new, so nothing. */
export function optionValueKinds(long: string | undefined, valueName: string): readonly ArgKind[] {
  if (long === '--name') return ['none'];
  return [BY_ARG_NAME[valueName] ?? 'none'];
}

/** The noun a group's `<name>` arguments refer to. */
const GROUP_NOUN: Readonly<Record<string, ArgKind>> = { vm: 'vm', image: 'image' };

const BY_ARG_NAME: Readonly<Record<string, ArgKind>> = {
  image: 'image',
  snapshot: 'snapshot',
  source: 'file',
  src: 'file',
  dst: 'file',
  repo: 'file',
  path: 'file',
  file: 'file',
  // Not `dir`: `--workdir <dir>` is a directory in the guest, where host file names would mislead.
};

/**
 * The fixed values an option lists in its description (`--profile
 * <profile>` described "minimal|debian", `--workspace-mode` "how ...:
 * a|b|c"), so they complete without a second list to keep in step.
 */
export function choicesFromDescription(description: string): string[] {
  const m = /(?:^|: )([\w-]+(?:\|[\w-]+)+)(?:$|[\s,;)])/.exec(description);
  return m?.[1] ? m[1].split('|') : [];
}
