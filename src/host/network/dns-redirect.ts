import type { CommandRunner } from '../exec/index.js';
import { ensureRules, NAT_COMMENT_PREFIX, readRules, removeRulesWithComment, type IptablesCommands, type NatRule } from './nat.js';

/**
 * Guests resolve through the gateway at port 53, where bangerd (an ordinary
 * user) cannot listen: one nat PREROUTING rule redirects UDP 53 arriving on
 * the bridge for the bridge address to bangerd's unprivileged port. Tagged
 * `banger:dns:<bridge>` (the `banger:` prefix leak checks look for, and never
 * a guest IP, so natDown cannot take it).
 */

export interface DnsRedirectTarget {
  bridge: string;
  /** The bridge (gateway) address guests send their queries to. */
  bridgeIP: string;
  /** bangerd's DNS port on that address. */
  port: number;
}

export function dnsRedirectComment(bridge: string): string {
  return `${NAT_COMMENT_PREFIX}dns:${bridge}`;
}

export function buildDnsRedirectRule(t: DnsRedirectTarget): NatRule {
  return {
    table: 'nat',
    chain: 'PREROUTING',
    spec: ['-i', t.bridge, '-d', `${t.bridgeIP}/32`, '-p', 'udp', '--dport', '53', '-m', 'comment', '--comment', dnsRedirectComment(t.bridge), '-j', 'REDIRECT', '--to-ports', String(t.port)],
  };
}

/**
 * Makes the bridge's redirect exactly the one rule for `port`: nothing is
 * added when it is already there, and a rule a killed daemon left for another
 * port is replaced (two would shadow each other).
 */
export async function dnsRedirectUp(runner: CommandRunner, t: DnsRedirectTarget, cmds: IptablesCommands = {}): Promise<{ added: number }> {
  const comment = dnsRedirectComment(t.bridge);
  const ours = (await readRules(runner, 'nat', cmds)).filter((r) => r.comment === comment);
  const rule = buildDnsRedirectRule(t);
  if (ours.length === 1) {
    const check = await runner.run(cmds.iptables ?? 'iptables', ['-w', '5', '-t', rule.table, '-C', rule.chain, ...rule.spec]);
    if (check.exitCode === 0) return { added: 0 };
  }
  if (ours.length > 0) await removeRulesWithComment(runner, comment, ['nat'], cmds);
  return ensureRules(runner, [rule], cmds);
}

/** Removes every redirect rule of this bridge (whatever its port). */
export function dnsRedirectDown(runner: CommandRunner, bridge: string, cmds: IptablesCommands = {}): Promise<{ removed: number }> {
  return removeRulesWithComment(runner, dnsRedirectComment(bridge), ['nat'], cmds);
}
