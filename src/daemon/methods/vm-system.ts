import type { VmService } from '../../../machines/index.js';
import { InternalError } from '../../errors/index.js';
import type { DaemonContext } from '../context.js';
import type { VmSystem } from '../system/index.js';

export function vmSystemOf(ctx: DaemonContext): VmSystem {
  const s = ctx.services.vmSystem;
  if (!s) throw new InternalError('this bangerd has no VM system', { code: 'daemon.no_vm_system', hint: 'restart bangerd: banger daemon stop' });
  return s;
}

/** The VM service, starting the actor system on first use. */
export function vmService(ctx: DaemonContext): Promise<VmService> {
  return vmSystemOf(ctx).service();
}
