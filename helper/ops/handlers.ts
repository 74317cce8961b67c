import type { HelperOpName, HelperOpParams, HelperOpResult } from '../../src/model/helper-ops.js';
import type { OpContext } from './context.js';
import { hostsSync } from './hosts.js';
import { jailLaunch, jailPrepare, jailRemove } from './jail.js';
import { bridgeEnsure, dnsRedirect, dnsUnredirect, natDownOp, natUpOp, tapCreate, tapDelete } from './network.js';
import { resolverRoute, resolverUnroute } from './resolver.js';
import { dmSnapshotCreate, dmSnapshotRemove, loopAttach, loopDetach } from './storage.js';

export type OpHandler<O extends HelperOpName> = (ctx: OpContext, params: HelperOpParams<O>) => Promise<HelperOpResult<O>>;

/** One handler per operation; the mapped type makes a missing one a compile error. */
export const OP_HANDLERS: { [O in HelperOpName]: OpHandler<O> } = {
  'helper.ping': (ctx) =>
    Promise.resolve({ version: ctx.version, uid: process.getuid?.() ?? -1, ownerUid: ctx.policy.ownerUid, ...(ctx.facts.tun ? { tun: ctx.facts.tun } : {}) }),
  'bridge.ensure': bridgeEnsure,
  'tap.create': tapCreate,
  'tap.delete': tapDelete,
  'nat.up': natUpOp,
  'nat.down': natDownOp,
  'loop.attach': loopAttach,
  'loop.detach': loopDetach,
  'dm.snapshotCreate': dmSnapshotCreate,
  'dm.snapshotRemove': dmSnapshotRemove,
  'resolver.route': resolverRoute,
  'resolver.unroute': resolverUnroute,
  'dns.redirect': dnsRedirect,
  'dns.unredirect': dnsUnredirect,
  'hosts.sync': hostsSync,
  'jail.prepare': jailPrepare,
  'jail.launch': jailLaunch,
  'jail.remove': jailRemove,
};
