import type { GuestReadyPort } from '../../machines/ports.js';
import { GuestError } from '../errors/index.js';
import { ensureSshKey, type SshKey } from '../guest/keys.js';
import { KnownHosts, waitForSsh, waitForSshBanner } from '../guest/ssh/index.js';
import type { Layout } from '../host/layout.js';
import { isProcessAlive } from '../host/proc/index.js';
import { connectAnswering, type AgentTransport } from '../guest/agent-client.js';
import { guestIdentity } from '../guest/identity.js';
import type { VMRecord } from '../model/index.js';

/** Tells a restored guest who it is now; its host keys are new, so the old pins go first. */
async function sendIdentity(vm: VMRecord, pid: number, o: NonNullable<GuestReadyOptions['identity']>, knownHosts: KnownHosts, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const transport = o.agent(vm);
  // Health and identity on one connection: a request on a fresh one right after another closed can be lost.
  const { client: agent } = await connectAnswering(transport, { timeoutMs, signal });
  try {
    await agent.identity(guestIdentity({ name: vm.name, guestIP: vm.runtime.guestIP, bridgeCidr: o.bridgeCidr }));
  } catch (err) {
    if (err instanceof Error && /unknown method identity/.test(err.message)) {
      throw new GuestError(`the guest agent in ${vm.name}'s image is too old to take a new identity`, { code: 'guest.agent_old', hint: 'rebuild the image (banger image build --force), then take a new snapshot', cause: err });
    }
    throw err;
  } finally {
    agent.close();
  }
  await o.plug?.(vm, pid);
  await knownHosts.forget([vm.runtime.dnsName, vm.runtime.guestIP]);
}

export interface GuestReadyOptions {
  layout: Pick<Layout, 'sshDir' | 'sshKeyPath' | 'knownHostsPath'>;
  /**
   * A VM started from a snapshot wakes with the snapshotted guest's address,
   * host keys, clock and random state: before anything connects, it is told
   * its own through the guest agent on this transport (with `bridgeCidr`).
   */
  identity?: {
    agent: (vm: VMRecord) => AgentTransport;
    bridgeCidr: string;
    /** Plugs the network link a restore left unplugged (VmmDriver.setLink), once the guest has its own address. */
    plug?: (vm: VMRecord, pid: number) => Promise<void>;
  };
  /** Give up after this long. @default 180000 (a debian image under TCG takes about 40 s) */
  timeoutMs?: number;
  /** How often the VMM process is checked while waiting. @default 500 */
  pidCheckMs?: number;
}

/**
 * Ready = the guest's sshd accepts banger's key (the same check `vm ssh`
 * makes), with the host key pinned in banger's known_hosts under the VM's
 * DNS name and IP on first contact. Stops early, with the console log in the
 * error, when the VMM process exits; honours the step's AbortSignal.
 */
export function createSshGuestReady(opts: GuestReadyOptions): GuestReadyPort {
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const knownHosts = new KnownHosts(opts.layout.knownHostsPath);
  let key: Promise<SshKey> | undefined;
  return {
    async waitForGuest(vm, { signal, pid }) {
      if (signal.aborted) throw new GuestError(`waiting for ${vm.name} cancelled`, { code: 'ssh.aborted' });
      key ??= ensureSshKey(opts.layout);
      const k = await key.catch((e: unknown) => {
        key = undefined;
        throw e;
      });
      const local = new AbortController();
      const onAbort = () => local.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      let vmmGone = false;
      const watch = setInterval(() => {
        void isProcessAlive(pid).then((alive) => {
          if (!alive) {
            vmmGone = true;
            local.abort();
          }
        });
      }, opts.pidCheckMs ?? 500);
      const logHint = `see the console log: ${vm.runtime.logPath} (banger vm logs ${vm.name})`;
      try {
        if (vm.runtime.restoreFrom && opts.identity) {
          await sendIdentity(vm, pid, opts.identity, knownHosts, local.signal, timeoutMs);
          // Its login set-up is the snapshotted guest's, which answered: an SSH banner from the restarted sshd is enough
          // (a full login costs another key exchange in a guest that has just woken; the first user connection pins the new key).
          await waitForSshBanner(vm.runtime.guestIP, 22, { timeoutMs, signal: local.signal, intervalMs: 50, vmName: vm.name });
        } else {
          const session = await waitForSsh(
            { host: vm.runtime.guestIP, privateKey: k.privateKey, hostNames: [vm.runtime.dnsName, vm.runtime.guestIP], knownHosts },
            { timeoutMs, signal: local.signal, vmName: vm.name },
          );
          session.close();
        }
      } catch (err) {
        if (vmmGone) {
          throw new GuestError(`the VMM of ${vm.name} (pid ${pid}) exited before the guest answered SSH`, { code: 'guest.vmm_exited', hint: logHint, cause: err });
        }
        if (signal.aborted) throw err;
        if (err instanceof GuestError && err.code === 'ssh.timeout') {
          throw new GuestError(`${vm.name} did not answer SSH at ${vm.runtime.guestIP} within ${Math.round(timeoutMs / 1000)} s`, {
            code: 'guest.ssh_timeout',
            hint: logHint,
            cause: err,
          });
        }
        throw err;
      } finally {
        clearInterval(watch);
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
