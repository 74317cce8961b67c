import { homedir } from 'node:os';
import type { Logger } from 'pino';
import { ConflictError } from '../../errors/index.js';
import { createBangerSystem } from '../../../machines/index.js';
import type { BangerPorts, BangerSystem, HostDnsMode, VmService, VmStorePort } from '../../../machines/index.js';
import type { InspectRecord, VmTransition } from '../../model/index.js';
import type { PrivilegedOps } from '../../../helper/index.js';
import type { Config } from '../../config/index.js';
import { parseDuration } from '../../config/index.js';
import { createForwarder, fixedUpstreams, startDnsServer, systemUpstreams } from '../../host/dns/index.js';
import { parseCidr } from '../../host/network/index.js';
import { detectResolved } from '../../host/resolver/index.js';
import { createHandlesStore } from '../../host/handles-file.js';
import type { Env, Layout } from '../../host/layout.js';
import { findNetworkConflicts, instanceId, instanceTag, listOwnTaps, OWN_NETWORK_HINT, tapState, type NetworkClaim } from '../../host/network/index.js';
import { findProcesses, processMetrics } from '../../host/proc/index.js';
import type { DebugActor } from '../../rpc/methods.js';
import type { VmmName } from '../../model/index.js';
import type { Store } from '../../store/index.js';
import { chooseAccel } from '../../vmm/accel.js';
import { hostTscKhz } from '../../vmm/qemu/machine.js';
import { chooseVmmKind } from '../../vmm/choose.js';
import { firecrackerInstalled } from '../../vmm/firecracker/binary.js';
import { createVmmPorts, type VmmRuntime } from '../../vmm/registry.js';
import { standinBehaviourFromConfig } from '../../vmm/standin/backend.js';
import type { StandinBehaviours } from '../../vmm/standin/driver.js';
import type { EventHub } from './event-hub.js';
import { createPrivilegedOps } from './privileged.js';
import { createVmRecordFactory } from './record-factory.js';
import { createVmStorePort } from './store-port.js';
import { recoverPendingSnapshots } from '../../snapshots/recover.js';

export interface VmSystemOptions {
  layout: Layout;
  config: Config;
  store: Store;
  logger: Logger;
  env: Env;
  events: EventHub;
  clock?: () => number;
  /** Replaces what the src/vmm registry builds for these kinds (tests). */
  runtimes?: Partial<Record<VmmName, VmmRuntime>>;
  /** Builds the default image when a real-VMM create needs it and it is missing (the images service). */
  ensureDefaultImage?: () => Promise<unknown>;
  /** Per-VM stand-in behaviour (in-process tests); default: config `[standin]` for every VM. */
  standinBehaviour?: StandinBehaviours;
  /** Default: in-process ops as root, else the helper socket client. */
  privileged?: PrivilegedOps;
  /** Called with every VM transition, after the event hub (port forwards follow the VM's state). */
  onTransition?: (t: VmTransition) => void;
  /** Called once reconcile is done and commands are accepted (port forwards of running VMs come back up). */
  onReady?: () => void;
}

/** The VM half of bangerd: the actor system, started on first use. */
export interface VmSystem {
  /** Starts the actor system (reconcile, bridge, tap pool, DNS) on first call; later calls share it. */
  service(): Promise<VmService>;
  /** True once `service()` has been called (the system is starting or running). */
  readonly started: boolean;
  /** Where the NAME.vm DNS server listens, once it is bound. */
  dnsAddress(): { host: string; port: number } | null;
  /** Live machine actors and their current state. */
  actors(): DebugActor[];
  /** Current state of one VM's actor (`starting.network`), or null. */
  vmState(vmId: string): string | null;
  /** Lets in-flight operations settle and stops the actors. Running VMs keep running. Idempotent. */
  shutdown(): Promise<void>;
}

const MACHINE_ACTORS: Record<string, string> = { supervisor: 'supervisor', tapPool: 'tapPool', dns: 'dns', helperBridge: 'helperBridge' };

/**
 * Composition root of the actor system inside bangerd: builds BangerPorts from
 * real parts and wires transitions, stats and inspect records into the event
 * hub. The system starts lazily so a daemon with no VMs never touches the
 * network (no bridge, no taps, no DNS port); `startIfVmsExist` starts it at
 * daemon start when there are rows to reconcile.
 */
export function createVmSystem(opts: VmSystemOptions): VmSystem {
  const { layout, config, store, logger, events } = opts;
  const clock = opts.clock ?? Date.now;
  const actorStates = new Map<string, { machineId: string; state: string | null }>();
  let system: BangerSystem | undefined;
  let starting: Promise<VmService> | undefined;
  let shutdownPromise: Promise<void> | undefined;

  let rootActor: string | undefined;
  let poolActive: (() => void) | undefined;
  const onInspect = (r: InspectRecord) => {
    if (r.type !== 'event') {
      // The root (supervisor) has a generated id; it is the first actor the system reports.
      rootActor ??= r.actor;
      const id = r.actor === rootActor ? 'supervisor' : r.actor;
      const machineId = id.startsWith('vm:') ? 'vm' : MACHINE_ACTORS[id];
      if (machineId && r.state !== null) actorStates.set(id, { machineId, state: r.state });
      if (id === 'tapPool' && r.state?.startsWith('active')) poolActive?.();
    }
    if (events.wants('debug.inspect')) events.publish('debug.inspect', r);
  };

  const instance = instanceId(process.getuid?.() ?? -1, layout.stateDir);
  const tag = instanceTag(instance);

  async function build(): Promise<VmService> {
    // Before anything touches the network: is it free, or does another banger instance hold it?
    assertNetworkFree({ bridge: config.bridge_name, tapPrefix: config.tap_prefix, cidr: config.bridge_cidr, tag }, layout.configFile);
    const accel = await chooseAccel(config.accel);
    const privileged = opts.privileged ?? createPrivilegedOps({ config, layout, logger, env: opts.env, instance });
    const fromConfig = standinBehaviourFromConfig(config.standin);
    const vmm = createVmmPorts(
      {
        layout,
        bridgeCidr: config.bridge_cidr,
        images: { get: (id) => store.images.getById(id) },
        snapshots: { get: (id) => store.snapshots.getById(id) },
        accel: accel.accel,
        qemuMachine: config.qemu_machine,
        hostTscKhz: await hostTscKhz(),
        privileged,
        fileSync: {
          entries: config.file_sync,
          // bangerd runs as the owner, so its home is the one file_sync may read from.
          home: homedir(),
          onWarning: (vm, message) => logger.warn({ vm: vm.name }, message),
        },
        standinBehaviour: opts.standinBehaviour ?? (() => fromConfig),
        firecracker: {
          ...(config.firecracker_bin ? { binary: config.firecracker_bin } : {}),
          ...(config.jailer_bin ? { jailer: { binary: config.jailer_bin, chrootBase: config.jailer_chroot_base } } : {}),
        },
      },
      opts.runtimes,
    );
    const vmmKind = chooseVmmKind(config.vmm, { kvmUsable: accel.kvm === 'usable', firecrackerInstalled: await firecrackerInstalled(config.firecracker_bin) });
    // Names outside .vm go to default_dns or the host's resolvers; never back to the gateway (guests' port 53 is us).
    const gateway = parseCidr(config.bridge_cidr).address;
    const forwarder = createForwarder({
      upstreams: config.default_dns.length > 0 ? fixedUpstreams(config.default_dns, [gateway]) : systemUpstreams({ exclude: [gateway] }),
    });
    const hostDns = hostDnsMode(config.host_dns);
    const portLogger = logger.child({ component: 'machines' });
    const vmStore = withStatsEvents(createVmStorePort(store, portLogger, clock), events);
    // Before reconcile adopts the VMs: a snapshot a crash cut short is finished or removed, and the VM's files put right.
    await recoverPendingSnapshots(store, vmStore, logger, layout.snapshotsDir, async (vm) => {
      if (vm.runtime.vmmPid === undefined) return;
      await vmm.driverFor(vm.vmm).resume({ pid: vm.runtime.vmmPid, apiSockPath: vm.runtime.apiSockPath });
    });
    const ports: BangerPorts = {
      store: vmStore,
      records: createVmRecordFactory({
        store,
        config,
        layout,
        vmmKind,
        clock,
        ...(opts.ensureDefaultImage ? { ensureDefaultImage: opts.ensureDefaultImage } : {}),
      }),
      ...vmm,
      handles: createHandlesStore(layout, (err, vmId) =>
        portLogger.error({ vmId, err: err instanceof Error ? err.message : String(err) }, 'handles.json write failed'),
      ),
      host: {
        listTaps: async (prefix) => listOwnTaps(prefix, tag),
        tapState: async (name) => tapState(name, config.bridge_name, tag),
        findProcesses: (needle) => findProcesses(needle),
        processMetrics,
      },
      privileged,
      startDnsServer: (o) => startDnsServer({ ...o, forward: forwarder.forward }),
      clock: { now: clock },
      logger: portLogger,
    };
    const [dnsHost, dnsPort] = splitHostPort(config.dns_listen);
    const sys = createBangerSystem(ports, {
      inspect: onInspect,
      network: { bridge: config.bridge_name, bridgeAddress: config.bridge_cidr, tapPrefix: config.tap_prefix, tapPoolSize: config.tap_pool_size },
      dns: { host: dnsHost, port: dnsPort, guests: true, hostDns, instance },
      autoStopStaleAfterMs: parseDuration(config.auto_stop_stale_after) ?? 0,
      statsPollIntervalMs: parseDuration(config.stats_poll_interval) ?? 10_000,
    });
    sys.onTransition((t) => {
      events.publish('vm.transition', t);
      opts.onTransition?.(t);
    });
    system = sys;
    // Commands are accepted once reconcile is done and the tap pool has its bridge (it refuses grants before).
    const poolReady = new Promise<void>((resolve) => {
      poolActive = resolve;
      if (actorStates.get('tapPool')?.state?.startsWith('active')) resolve();
    });
    const report = await sys.start();
    await Promise.race([poolReady, new Promise((r) => setTimeout(r, 60_000).unref())]);
    opts.onReady?.();
    logger.info({ vmm: vmmKind, accel: accel.accel, kept: report.kept, demoted: report.demoted, dns: sys.dnsAddress(), hostDns }, 'VM system ready');
    return sys.service;
  }

  return {
    service() {
      if (shutdownPromise) return Promise.reject(new Error('bangerd is shutting down'));
      starting ??= build().catch((err: unknown) => {
        starting = undefined; // let the next call retry (e.g. after the helper comes up)
        throw err;
      });
      return starting;
    },
    get started() {
      return starting !== undefined;
    },
    dnsAddress: () => system?.dnsAddress() ?? null,
    actors() {
      const out: DebugActor[] = [];
      for (const [id, a] of actorStates) {
        // Deleted VMs' actors are gone; their last record lingers here until filtered.
        if (a.machineId === 'vm' && !store.vms.getById(id.slice(3))) {
          actorStates.delete(id);
          continue;
        }
        out.push({ id, machineId: a.machineId, state: a.machineId === 'vm' ? (system?.vmState(id.slice(3)) ?? a.state) : a.state });
      }
      return out.sort((x, y) => x.id.localeCompare(y.id));
    },
    vmState: (vmId) => system?.vmState(vmId) ?? null,
    shutdown() {
      shutdownPromise ??= (async () => {
        if (!starting) return;
        await starting.catch(() => undefined);
        await system?.shutdown();
      })();
      return shutdownPromise;
    },
  };
}

/**
 * Refuses to start the actor system on a network another instance holds, in
 * one line naming that instance and the config keys to change.
 */
function assertNetworkFree(claim: NetworkClaim, configFile: string): void {
  const conflicts = findNetworkConflicts(claim);
  if (conflicts.length === 0) return;
  const keys = [...new Set(conflicts.map((c) => c.key))];
  throw new ConflictError(`${conflicts.map((c) => c.message).join('; ')}`, {
    code: 'network.claimed',
    hint: `${OWN_NETWORK_HINT.replace('its config.toml', configFile)}${keys.length < 3 ? ` (at least ${keys.join(', ')})` : ''}`,
  });
}

/** Publishes `vm.stats` whenever the stats poll writes a row. */
function withStatsEvents(port: VmStorePort, events: EventHub): VmStorePort {
  return {
    ...port,
    update(id, patch) {
      const ok = port.update(id, patch);
      if (ok && patch.stats && events.wants('vm.stats')) {
        const vm = port.get(id);
        if (vm) events.publish('vm.stats', { vmId: vm.id, name: vm.name, state: vm.state, stats: vm.stats });
      }
      return ok;
    },
  };
}

/** config `host_dns`: "auto" is systemd-resolved where it runs, else the hosts file. */
function hostDnsMode(setting: Config['host_dns']): HostDnsMode {
  if (setting !== 'auto') return setting;
  return detectResolved().available ? 'resolved' : 'hosts';
}

function splitHostPort(hp: string): [string, number] {
  const i = hp.lastIndexOf(':');
  return [hp.slice(0, i), Number(hp.slice(i + 1))];
}
