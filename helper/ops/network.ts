import { deleteBridge, ensureBridge, natDown, natUp, setIpForward } from '../../src/host/network/index.js';
import type { HelperOpParams, HelperOpResult } from '../protocol.js';
import type { OpContext } from './context.js';

export const bridgeEnsure = (ctx: OpContext, p: HelperOpParams<'bridge.ensure'>): Promise<HelperOpResult<'bridge.ensure'>> =>
  ensureBridge(ctx.runner, { name: p.name, address: p.address, tag: ctx.tag });

export const bridgeDelete = (ctx: OpContext, p: HelperOpParams<'bridge.delete'>): Promise<HelperOpResult<'bridge.delete'>> => deleteBridge(ctx.runner, p.name);

export const tapCreate = (ctx: OpContext, p: HelperOpParams<'tap.create'>): Promise<HelperOpResult<'tap.create'>> =>
  ctx.taps.create({ name: p.name, bridge: p.bridge, ownerUid: ctx.policy.ownerUid, ownerGid: ctx.policy.ownerGid, tag: ctx.tag, ...owner(ctx) });

export const tapDelete = (ctx: OpContext, p: HelperOpParams<'tap.delete'>): Promise<HelperOpResult<'tap.delete'>> => ctx.taps.delete(p.name, { tag: ctx.tag, ownerUid: ctx.policy.ownerUid, ...owner(ctx) });

export const natUpOp = (ctx: OpContext, p: HelperOpParams<'nat.up'>): Promise<HelperOpResult<'nat.up'>> => natUp(ctx.runner, p);

export const natDownOp = (ctx: OpContext, p: HelperOpParams<'nat.down'>): Promise<HelperOpResult<'nat.down'>> => natDown(ctx.runner, p);

export const ipForward = (ctx: OpContext, p: HelperOpParams<'sysctl.ipForward'>): Promise<HelperOpResult<'sysctl.ipForward'>> => setIpForward(ctx.runner, p.enable);

const owner = (ctx: OpContext) => (ctx.policy.ownerName ? { ownerName: ctx.policy.ownerName } : {});
