export type { Ipv4Cidr } from './cidr.js';
export { parseCidr, isIpv4, ipToInt, intToIp, cidrContainsHost, allocateGuestIp, macFromIp } from './cidr.js';
export type { LinkInfo } from './links.js';
export { getLink, listLinks } from './links.js';
export type { BridgeSpec } from './bridge.js';
export { ensureBridge, OWN_NETWORK_HINT } from './bridge.js';
export type { TapSpec } from './tap.js';
export { createTap, deleteTap, assertOwnTap } from './tap.js';
export { INSTANCE_ID_RE, instanceId, instanceTag, tagInstance } from './instance.js';
export type { TapBatcher, TapBatcherOptions, TapOwner } from './tap-batch.js';
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
export type { SysLink, TapState, NetworkClaim, NetworkConflict } from './sysfs.js';
export { SYS_NET, readSysLink, listSysLinks, listOwnTaps, tapState, findNetworkConflicts } from './sysfs.js';
export type { DnsRedirectTarget } from './dns-redirect.js';
export { dnsRedirectComment, buildDnsRedirectRule, dnsRedirectUp, dnsRedirectDown } from './dns-redirect.js';
