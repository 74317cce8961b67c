import { dnsRedirectDown, dnsRedirectUp, ensureBridge, natDown, natUp, parseCidr, setIpForward } from '../../src/host/network/index.js';
import type { HelperOpParams, HelperOpResult } from '../../src/model/helper-ops.js';
import type { OpContext } from './context.js';

export const bridgeEnsure = (ctx: OpContext, p: HelperOpParams<'bridge.ensure'>): Promise<HelperOpResult<'bridge.ensure'>> =>
  ensureBridge(ctx.runner, { name: p.name, address: p.address, tag: ctx.tag });

export const tapCreate = (ctx: OpContext, p: HelperOpParams<'tap.create'>): Promise<HelperOpResult<'tap.create'>> =>
  ctx.taps.create({ name: p.name, bridge: p.bridge, ownerUid: ctx.policy.ownerUid, ownerGid: ctx.policy.ownerGid, tag: ctx.tag, ...owner(ctx) });

export const tapDelete = (ctx: OpContext, p: HelperOpParams<'tap.delete'>): Promise<HelperOpResult<'tap.delete'>> => ctx.taps.delete(p.name, { tag: ctx.tag, ownerUid: ctx.policy.ownerUid, ...owner(ctx) });

/**
 * NAT forwards nothing while net.ipv4.ip_forward is 0 (the default here), so
 * the rules come with it turned on, in the namespace the runner works in
 * (forwarding is per network namespace). It stays on after the last NAT VM,
 * as with docker and libvirt: other software may have come to rely on it.
 */
export async function natUpOp(ctx: OpContext, p: HelperOpParams<'nat.up'>): Promise<HelperOpResult<'nat.up'>> {
  const { added } = await natUp(ctx.runner, p);
  const { previous } = await setIpForward(ctx.runner, true);
  return { added, ipForwardEnabled: !previous };
}

export const natDownOp = (ctx: OpContext, p: HelperOpParams<'nat.down'>): Promise<HelperOpResult<'nat.down'>> => natDown(ctx.runner, p);

const owner = (ctx: OpContext) => (ctx.policy.ownerName ? { ownerName: ctx.policy.ownerName } : {});
/** The redirect targets the policy's bridge address: the caller names only the bridge and the port. */
export const dnsRedirect = (ctx: OpContext, p: HelperOpParams<'dns.redirect'>): Promise<HelperOpResult<'dns.redirect'>> =>
  dnsRedirectUp(ctx.runner, { bridge: p.bridge, bridgeIP: parseCidr(ctx.policy.cidr).address, port: p.port });

export const dnsUnredirect = (ctx: OpContext, p: HelperOpParams<'dns.unredirect'>): Promise<HelperOpResult<'dns.unredirect'>> => dnsRedirectDown(ctx.runner, p.bridge);
