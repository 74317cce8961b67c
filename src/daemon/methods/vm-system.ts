import type { VmService } from '../../../machines/index.js';
import type { DaemonContext } from '../context.js';

/** The VM service, starting the actor system on first use. */
export function vmService(ctx: DaemonContext): Promise<VmService> {
  return ctx.services.vmSystem.service();
}
