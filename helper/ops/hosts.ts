import { syncHostsBlock } from '../../src/host/hosts/index.js';
import type { HelperOpParams, HelperOpResult } from '../../src/model/helper-ops.js';
import { DEFAULT_HOSTS_FILE } from '../validate/index.js';
import type { OpContext } from './context.js';

/** The file is the policy's (a helper flag), never the caller's choice. */
export async function hostsSync(ctx: OpContext, p: HelperOpParams<'hosts.sync'>): Promise<HelperOpResult<'hosts.sync'>> {
  const r = await syncHostsBlock(ctx.policy.hostsFile ?? DEFAULT_HOSTS_FILE, p.instance, p.entries);
  return { changed: r.changed, mode: r.mode };
}
