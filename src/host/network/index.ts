export type { Ipv4Cidr } from './cidr.js';
export { parseCidr, isIpv4, ipToInt, intToIp, cidrContainsHost, allocateGuestIp, macFromIp } from './cidr.js';
export type { LinkInfo } from './links.js';
export { getLink, listLinks } from './links.js';
export type { BridgeSpec } from './bridge.js';
export { ensureBridge, deleteBridge } from './bridge.js';
export type { TapSpec } from './tap.js';
export { createTap, deleteTap } from './tap.js';
export type { TapBatcher, TapBatcherOptions } from './tap-batch.js';
export { createTapBatcher, failedBatchLines } from './tap-batch.js';
export { setIpForward, getIpForward } from './ip-forward.js';
export type { NatRule, NatTarget, SavedRule, IptablesTable, IptablesCommands } from './nat.js';
export {
  NAT_COMMENT_PREFIX,
  natComment,
  buildNatRules,
  parseSavedRules,
  readRules,
  listBangerRules,
  natUp,
  natDown,
  ensureRules,
  removeRulesWithComment,
} from './nat.js';
export type { DnsRedirectTarget } from './dns-redirect.js';
export { dnsRedirectComment, buildDnsRedirectRule, dnsRedirectUp, dnsRedirectDown } from './dns-redirect.js';
