import { HostError } from '../../src/errors/index.js';
import type { HelperOpParams, HelperOpResult } from '../../src/model/helper-ops.js';
import type { OpContext } from './context.js';

/**
 * Gives a VMM API socket (path already resolved inside the layout) to the
 * owner. Only sockets: chown of arbitrary files would hand the owner files a
 * root process created.
 */
export async function socketChown(ctx: OpContext, p: HelperOpParams<'socket.chown'>): Promise<HelperOpResult<'socket.chown'>> {
  let st;
  try {
    st = await ctx.host.lstat(p.path);
  } catch (err) {
    throw new HostError(`cannot stat ${p.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { code: 'socket.missing', hint: 'start the VMM first; its API socket must exist' });
  }
  if (!st.isSocket()) throw new HostError(`${p.path} is not a socket`, { code: 'socket.not_socket', hint: 'pass the VMM API socket path' });
  if (st.uid === ctx.policy.ownerUid && st.gid === ctx.policy.ownerGid) return { changed: false };
  await ctx.host.chown(p.path, ctx.policy.ownerUid, ctx.policy.ownerGid);
  return { changed: true };
}
