import { z } from 'zod';
import { MEMORY_MIB_LIMITS, VCPU_LIMITS } from './limits.js';
import type { ForwardSpec } from './forward.js';
import type { ImageSource, WorkspacePrepareResult } from './types.js';

/**
 * zod shapes more than one layer validates against: the RPC params the actor
 * system also takes (vm.create, vm.set) and the workspace the store keeps.
 */

export const vmName = z.string().min(1).max(253);
/** Bounded like the CLI's flags and the record factory (limits.ts). */
const vcpuCount = z.number().int().min(VCPU_LIMITS.min).max(VCPU_LIMITS.max);
const memoryMiB = z.number().int().min(MEMORY_MIB_LIMITS.min).max(MEMORY_MIB_LIMITS.max);
const port = z.number().int().min(1).max(65535);
/** A port forward as the CLI parsed it (src/model/forward-spec.ts); bangerd checks the address and the port. */
export const ForwardSpecSchema = z
  .object({ proto: z.enum(['tcp', 'udp']), hostIp: z.string().min(1).max(64), hostPort: port, guestPort: port })
  .strict() satisfies z.ZodType<ForwardSpec>;

export const VmCreateParams = z
  .object({
    name: z.string().optional(),
    image: z.string().optional(),
    vcpu: vcpuCount.optional(),
    memoryMiB: memoryMiB.optional(),
    /** Size strings as the user typed them ("8G"); parsed and bounded by the daemon. */
    diskSize: z.string().optional(),
    overlaySize: z.string().optional(),
    nat: z.boolean().optional(),
    noStart: z.boolean().optional(),
    /** Boot the kernel even when a warm snapshot of the image fits. */
    cold: z.boolean().optional(),
    /**
     * The VM is deleted after use (`vm run --rm`): if it boots cold, it may be
     * snapshotted as the image's warm snapshot. A kept VM never is: a snapshot
     * layers its disks, and a layered work disk cannot grow.
     */
    ephemeral: z.boolean().optional(),
    /**
     * bangerd deletes the VM when the client connection that created it closes
     * (`vm run --rm`), so the VM goes even when the CLI is killed before it can
     * delete it. Not recorded with the VM: it is about this connection only.
     */
    deleteOnDisconnect: z.boolean().optional(),
    /** Port forwards (`-p`), checked before the VM is made and recorded with it. */
    publish: z.array(ForwardSpecSchema).max(64).optional(),
  })
  .strict();
export type VmCreateParams = z.infer<typeof VmCreateParams>;

export const VmSetParams = z
  .object({
    name: vmName,
    vcpu: vcpuCount.optional(),
    memoryMiB: memoryMiB.optional(),
    diskSize: z.string().optional(),
    nat: z.boolean().optional(),
  })
  .strict();
export type VmSetParams = z.infer<typeof VmSetParams>;

export const WorkspaceSchema = z.object({
  vmId: z.string(),
  sourcePath: z.string(),
  repoRoot: z.string(),
  repoName: z.string(),
  guestPath: z.string(),
  mode: z.enum(['shallow_overlay', 'full_copy', 'metadata_only']),
  headCommit: z.string().optional(),
  currentBranch: z.string().optional(),
  preparedAt: z.string(),
}) satisfies z.ZodType<WorkspacePrepareResult>;

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);

/** An image's provenance as stored in `images.source_json` (validated on read: a hand-edited row fails naming itself). */
export const ImageSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('profile'), profile: z.enum(['minimal', 'debian', 'dev']) }),
  z.object({ kind: z.literal('import'), path: z.string().min(1).optional(), format: z.enum(['oci', 'docker', 'tar']).optional() }),
  z.object({ kind: z.literal('pull'), reference: z.string().min(1), digest, platform: z.string().min(1), indexDigest: digest.optional() }),
]) satisfies z.ZodType<ImageSource>;
