import { HostError } from '../../errors/index.js';
import { runChecked, type CommandRunner } from '../exec/index.js';

/**
 * NAT for one guest: a pure rule builder plus an idempotent apply and an exact
 * removal. Every rule carries the comment `banger:<guestIP>`, which is what
 * removal and leak checks look for in `iptables-save`.
 */

export type IptablesTable = 'nat' | 'filter';

export interface NatRule {
  table: IptablesTable;
  chain: string;
  /** Rule spec as iptables arguments (after `-A CHAIN`). */
  spec: string[];
}

export interface NatTarget {
  guestIP: string;
  /** Kept for logs and the contract; FORWARD matches the bridge, see below. */
  tap: string;
  bridge: string;
}

export const NAT_COMMENT_PREFIX = 'banger:';

export function natComment(guestIP: string): string {
  return `${NAT_COMMENT_PREFIX}${guestIP}`;
}

/**
 * The rules for one guest. Guest traffic reaches netfilter on the bridge (a
 * tap enslaved to a bridge is not seen as `-i tap` without br_netfilter), so
 * FORWARD matches the bridge plus the guest's address.
 */
export function buildNatRules(t: NatTarget): NatRule[] {
  const src = `${t.guestIP}/32`;
  const comment = ['-m', 'comment', '--comment', natComment(t.guestIP)];
  return [
    { table: 'nat', chain: 'POSTROUTING', spec: ['-s', src, '!', '-o', t.bridge, ...comment, '-j', 'MASQUERADE'] },
    { table: 'filter', chain: 'FORWARD', spec: ['-i', t.bridge, '!', '-o', t.bridge, '-s', src, ...comment, '-j', 'ACCEPT'] },
    {
      table: 'filter',
      chain: 'FORWARD',
      spec: ['!', '-i', t.bridge, '-o', t.bridge, '-d', src, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment, '-j', 'ACCEPT'],
    },
  ];
}

/** A rule as read back from `iptables-save`. */
export interface SavedRule {
  table: IptablesTable;
  chain: string;
  /** Arguments after `-A CHAIN`, quotes removed; usable with `-D CHAIN`. */
  args: string[];
  comment: string | undefined;
}

/**
 * Parses `iptables-save -t TABLE` output into `-A` rules. Tokenises on spaces
 * and honours double quotes (the nft backend quotes comments).
 */
export function parseSavedRules(table: IptablesTable, text: string): SavedRule[] {
  const rules: SavedRule[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('-A ')) continue;
    const tokens = tokenize(line);
    const chain = tokens[1];
    if (!chain) continue;
    const args = tokens.slice(2);
    const ci = args.indexOf('--comment');
    rules.push({ table, chain, args, comment: ci >= 0 ? args[ci + 1] : undefined });
  }
  return rules;
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] as string));
  return out;
}

export interface IptablesCommands {
  /** @default 'iptables' */
  iptables?: string;
  /** @default 'iptables-save' */
  iptablesSave?: string;
}

/** Reads back every rule of `table`. */
export async function readRules(runner: CommandRunner, table: IptablesTable, cmds: IptablesCommands = {}): Promise<SavedRule[]> {
  const res = await runChecked(runner, cmds.iptablesSave ?? 'iptables-save', ['-t', table]);
  return parseSavedRules(table, res.stdout);
}

/** Every rule in nat and filter whose comment starts with `banger:`. */
export async function listBangerRules(runner: CommandRunner, cmds: IptablesCommands = {}): Promise<SavedRule[]> {
  const all = [...(await readRules(runner, 'nat', cmds)), ...(await readRules(runner, 'filter', cmds))];
  return all.filter((r) => r.comment?.startsWith(NAT_COMMENT_PREFIX));
}

/**
 * Adds each missing rule (`-C` first, `-A` only when absent). Running it twice
 * leaves every rule present exactly once. Returns how many were added.
 */
export async function natUp(runner: CommandRunner, t: NatTarget, cmds: IptablesCommands = {}): Promise<{ added: number }> {
  return ensureRules(runner, buildNatRules(t), cmds);
}

/** Appends each of `rules` that is not there yet; shared by NAT and the guests' DNS redirect. */
export async function ensureRules(runner: CommandRunner, rules: readonly NatRule[], cmds: IptablesCommands = {}): Promise<{ added: number }> {
  const ipt = cmds.iptables ?? 'iptables';
  let added = 0;
  for (const rule of rules) {
    const check = await runner.run(ipt, ['-w', '5', '-t', rule.table, '-C', rule.chain, ...rule.spec]);
    if (check.exitCode === 0) continue;
    // Exit 1 means "no such rule"; anything else is a real failure (bad module, no permission).
    if (check.exitCode !== 1) {
      throw new HostError(`iptables -C ${rule.chain} failed: ${check.stderr.trim()}`, { code: 'nat.iptables_failed', hint: 'check that iptables works (iptables -V) and that you are root' });
    }
    await runChecked(runner, ipt, ['-w', '5', '-t', rule.table, '-A', rule.chain, ...rule.spec], { code: 'nat.iptables_failed' });
    added++;
  }
  return { added };
}

/**
 * Removes exactly the rules carrying `banger:<guestIP>`, as read back from
 * iptables-save, including duplicates and rules built for an older tap or
 * bridge name. Rules of other guests and foreign rules are untouched.
 */
export async function natDown(runner: CommandRunner, t: Pick<NatTarget, 'guestIP'>, cmds: IptablesCommands = {}): Promise<{ removed: number }> {
  return removeRulesWithComment(runner, natComment(t.guestIP), ['nat', 'filter'], cmds);
}

/** Deletes every rule in `tables` whose comment is exactly `comment`, as read back from iptables-save. */
export async function removeRulesWithComment(
  runner: CommandRunner,
  comment: string,
  tables: readonly IptablesTable[],
  cmds: IptablesCommands = {},
): Promise<{ removed: number }> {
  const ipt = cmds.iptables ?? 'iptables';
  let removed = 0;
  for (const table of tables) {
    for (const rule of await readRules(runner, table, cmds)) {
      if (rule.comment !== comment) continue;
      await runChecked(runner, ipt, ['-w', '5', '-t', table, '-D', rule.chain, ...rule.args], { code: 'nat.iptables_failed' });
      removed++;
    }
  }
  return { removed };
}
