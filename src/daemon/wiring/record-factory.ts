import { join } from 'node:path';
import type { VmRecordFactory } from '../../../machines/index.js';
import type { Config } from '../../config/index.js';
import { resolveVmDefaults } from '../../config/index.js';
import { InvalidInputError } from '../../errors/index.js';
import type { Layout } from '../../host/layout.js';
import { vmDir, vmRuntimeDir } from '../../host/layout.js';
import { allocateGuestIp } from '../../host/network/index.js';
import type { Image, VMRecord, VmmName } from '../../model/index.js';
import { flagExample, formatMiB, friendlyName, MEMORY_MIB_LIMITS, newId, nowIso, parseDiskSize, VCPU_LIMITS } from '../../model/index.js';
import type { VmCreateParams } from '../../rpc/methods.js';
import type { Store } from '../../store/index.js';
import { VMM_BACKENDS } from '../../vmm/registry.js';

export interface RecordFactoryDeps {
  store: Store;
  config: Config;
  layout: Layout;
  /** Backend for new VMs (config `vmm`, with `auto` already decided). */
  vmmKind: VmmName;
  clock?: () => number;
  /** How long a reservation (IP, name) outlives its build when no row appears. @default 60000 */
  reservationTtlMs?: number;
  /**
   * Builds the default image on first use (images service). Not called for
   * stand-in VMs, which never read an image.
   */
  ensureDefaultImage?: () => Promise<unknown>;
}

const MAX_VCPU = VCPU_LIMITS.max;
const { min: MIN_MEMORY_MIB, max: MAX_MEMORY_MIB } = MEMORY_MIB_LIMITS;

/**
 * Builds the `created` row for vm.create: image from the store, sizes from
 * the params or config vm_defaults (bounded), a free guest IP, a friendly name
 * when none was given, and the deterministic paths under the layout.
 *
 * Concurrent creates: the service awaits between build and insert, so two
 * builds could pick the same IP or name. The factory remembers what it handed
 * out until the row exists (or the reservation expires), and skips it.
 */
export function createVmRecordFactory(deps: RecordFactoryDeps): VmRecordFactory {
  const clock = deps.clock ?? Date.now;
  const ttl = deps.reservationTtlMs ?? 60_000;
  const reserved = new Map<string, { ip: string; name: string; until: number }>();

  const pruneReservations = (usedIps: Set<string>) => {
    const now = clock();
    for (const [id, r] of reserved) {
      if (r.until < now || usedIps.has(r.ip)) reserved.delete(id);
    }
  };

  const imageFor = async (params: VmCreateParams): Promise<Image> => {
    const ref = params.image ?? deps.config.default_image;
    if (!deps.store.images.find(ref) && params.image === undefined && deps.vmmKind !== 'standin' && deps.ensureDefaultImage) await deps.ensureDefaultImage();
    return deps.store.images.resolve(ref);
  };

  return {
    async build(params: VmCreateParams): Promise<VMRecord> {
      const defaults = resolveVmDefaults(deps.config);
      const vcpu = params.vcpu ?? defaults.vcpu.value;
      if (vcpu > MAX_VCPU) throw new InvalidInputError(`--vcpu ${vcpu} is more than ${MAX_VCPU}`, { code: 'vm.vcpu_invalid', hint: `use 1 to ${MAX_VCPU}` });
      const memoryMiB = params.memoryMiB ?? defaults.memoryMiB.value;
      if (memoryMiB < MIN_MEMORY_MIB || memoryMiB > MAX_MEMORY_MIB) {
        throw new InvalidInputError(`--memory ${formatMiB(memoryMiB)} is out of range`, { code: 'vm.memory_invalid', hint: `use ${formatMiB(MIN_MEMORY_MIB)} to ${formatMiB(MAX_MEMORY_MIB)}, e.g. --memory 2G` });
      }
      const workDiskSizeBytes = params.diskSize !== undefined ? size(params.diskSize, '--disk-size') : defaults.diskSizeBytes.value;
      const systemOverlaySizeBytes = params.overlaySize !== undefined ? size(params.overlaySize, '--overlay-size') : defaults.overlaySizeBytes.value;

      // After the checks above: a bad size must not wait for (or trigger) the default image's first build.
      const image = await imageFor(params);
      const used = deps.store.vms.usedGuestIps();
      pruneReservations(used);
      for (const r of reserved.values()) used.add(r.ip);
      const guestIP = allocateGuestIp(deps.config.bridge_cidr, used);
      const takenNames = new Set([...reserved.values()].map((r) => r.name));
      const name = params.name ?? friendlyName((n) => takenNames.has(n) || deps.store.vms.getByName(n) !== undefined);

      const id = newId();
      reserved.set(id, { ip: guestIP, name, until: clock() + ttl });
      const dir = vmDir(deps.layout, id);
      const run = vmRuntimeDir(deps.layout, id);
      const at = nowIso(clock);
      const files = VMM_BACKENDS[deps.vmmKind].files;
      return {
        id,
        name,
        imageId: image.id,
        state: 'created',
        vmm: deps.vmmKind,
        createdAt: at,
        updatedAt: at,
        lastTouchedAt: at,
        spec: { vcpuCount: vcpu, memoryMiB, systemOverlaySizeBytes, workDiskSizeBytes, natEnabled: params.nat ?? false },
        runtime: {
          guestIP,
          dnsName: `${name}.vm`,
          vmDir: dir,
          systemOverlayPath: join(dir, files.systemOverlay),
          workDiskPath: join(dir, 'work.ext4'),
          logPath: join(dir, 'console.log'),
          apiSockPath: join(run, files.controlSocket),
          agentSockPath: join(run, 'agent.sock'),
        },
        stats: {},
      };
    },
  };
}

/** The CLI's grammar and bounds (src/model/size.ts); a SizeParseError is already an InvalidInputError with the fix as its hint. */
function size(raw: string, flag: string): number {
  return parseDiskSize(raw, flag, flagExample(flag));
}
