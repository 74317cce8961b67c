import { BusyError, NotFoundError } from '../../errors/index.js';
import type { RpcConnection } from '../../wire/index.js';
import type { DaemonContext } from '../context.js';

/** How long the daemon keeps retrying a delete that finds the VM busy (a start in flight). */
const BUSY_RETRY_MS = 120_000;
const BUSY_POLL_MS = 250;

/**
 * Ties a VM to the client connection that created it (`vm.create` with
 * `deleteOnDisconnect`, used by `vm run --rm`): when that connection goes away
 * for any reason but the daemon's own shutdown, bangerd deletes the VM
 * itself. This is what makes `--rm` hold when the CLI cannot clean up: killed
 * with SIGKILL (a CI runner's last resort), a second Ctrl-C that skips the
 * wait, a crash. The CLI still deletes on every way out it controls; when it
 * did, the VM is gone and this finds nothing to do.
 *
 * The VM is named by id, not name: after the CLI's own delete another client
 * may create a VM of the same name before this connection closes.
 *
 * On the daemon's shutdown nothing is deleted: VMs outlive bangerd by design
 * (the next start re-adopts them) and the CLI, still running, deletes the VM
 * through a new connection when its command ends.
 */
export function deleteWhenClientGoes(conn: RpcConnection, vmId: string, ctx: Pick<DaemonContext, 'services' | 'logger'>): void {
  conn.onClosed((reason) => {
    if (reason === 'server shutting down') return;
    void deleteOwned(vmId, ctx, reason);
  });
}

async function deleteOwned(vmId: string, ctx: Pick<DaemonContext, 'services' | 'logger'>, reason: string): Promise<void> {
  const deadline = Date.now() + BUSY_RETRY_MS;
  let stopSent = false;
  for (;;) {
    try {
      // Gone already (the CLI deleted it): nothing to do.
      const vm = ctx.services.vms.get(vmId);
      ctx.logger.info({ vmId, vm: vm.name, reason }, 'deleting --rm VM: the client that owns it went away');
      await (await ctx.services.vmSystem.service()).delete(vm.id, { force: true });
      return;
    } catch (err) {
      if (err instanceof NotFoundError) return;
      if (err instanceof BusyError && Date.now() < deadline) {
        // A start in flight: a forced stop may cut into it (a delete may not), so the boot is not waited out.
        if (!stopSent) {
          stopSent = true;
          const service = await ctx.services.vmSystem.service();
          await service.stop(vmId, { force: true }).catch(() => undefined);
        } else {
          await new Promise((r) => setTimeout(r, BUSY_POLL_MS));
        }
        continue;
      }
      ctx.logger.error({ vmId, err: err instanceof Error ? err.message : String(err) }, 'could not delete --rm VM after its client went away');
      return;
    }
  }
}
