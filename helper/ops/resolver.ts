import { routeVmDomain, unrouteVmDomain } from '../../src/host/resolver/index.js';
import type { HelperOpParams, HelperOpResult } from '../../src/model/helper-ops.js';
import type { OpContext } from './context.js';

export const resolverRoute = (ctx: OpContext, p: HelperOpParams<'resolver.route'>): Promise<HelperOpResult<'resolver.route'>> =>
  routeVmDomain(ctx.runner, p.bridge, p.server, ctx.host);

export const resolverUnroute = (ctx: OpContext, p: HelperOpParams<'resolver.unroute'>): Promise<HelperOpResult<'resolver.unroute'>> =>
  unrouteVmDomain(ctx.runner, p.bridge, ctx.host);
