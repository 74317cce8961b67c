import { z } from 'zod';
import type { ForwardView, Image, InspectRecord, SnapshotRecord, MachineGraph, PortRow, VMRecord, VMState, VMStats, VmTransition } from '../model/index.js';
import { ForwardSpecSchema, VmCreateParams, VmSetParams, WorkspaceSchema, vmName } from '../model/schemas.js';

/**
 * The JSON-RPC contract between `banger` (client) and `bangerd` (server).
 * Each method has a zod schema for its params (validated by the server before
 * the handler runs) and a TypeScript result type. Both sides import this file,
 * so a renamed method or changed param fails to compile on both ends.
 */

export { VmCreateParams, VmSetParams };

export const VmRefParams = z.object({ name: vmName }).strict();
export const VmStopParams = z.object({ name: vmName, force: z.boolean().optional() }).strict();
/**
 * `tailLines`: the last N lines (`vm logs --tail`); `tailBytes`: the last N bytes cut at a line start
 * (the TUI and the dashboard). Neither: the last 64 KiB.
 */
export const VmLogsParams = z
  .object({ name: vmName, tailBytes: z.number().int().nonnegative().optional(), tailLines: z.number().int().nonnegative().max(1_000_000).optional() })
  .strict();
const snapshotName = z.string().min(1).max(63);
export const VmSnapshotCreateParams = z.object({ name: vmName, snapshot: snapshotName.optional() }).strict();
export const VmSnapshotListParams = z.object({ name: vmName.optional() }).strict();
export const SnapshotRefParams = z.object({ snapshot: snapshotName }).strict();
export const VmRestoreParams = z.object({ name: vmName, snapshot: snapshotName }).strict();
/** `source` is a VM (running or stopped) or a snapshot; a VM name wins over a snapshot of the same name. */
export const VmForkParams = z.object({ source: z.string().min(1).max(253), name: vmName, nat: z.boolean().optional(), noStart: z.boolean().optional() }).strict();
export const VmForwardAddParams = z.object({ name: vmName, forward: ForwardSpecSchema }).strict();
export const VmForwardListParams = z.object({ name: vmName.optional() }).strict();
export const VmForwardDeleteParams = z
  .object({ name: vmName, hostPort: z.number().int().min(1).max(65535), proto: z.enum(['tcp', 'udp']).optional(), hostIp: z.string().min(1).max(64).optional() })
  .strict();
export const ImageWarmParams = z
  .object({ name: z.string().min(1).max(253), vcpu: z.number().int().positive().optional(), memoryMiB: z.number().int().positive().optional(), diskSize: z.string().optional() })
  .strict();
export const ImageRefParams = z.object({ name: z.string().min(1).max(253) }).strict();
export const ImageBuildParams = z
  .object({
    name: z.string().optional(),
    profile: z.enum(['debian', 'dev', 'minimal']).optional(),
    force: z.boolean().optional(),
  })
  .strict();
export const ImageImportParams = z
  .object({
    name: z.string().min(1),
    source: z.string().min(1),
    format: z.enum(['auto', 'oci', 'docker', 'tar']).optional(),
    kernelFrom: z.string().optional(),
  })
  .strict();
/** `image pull`: a registry reference; the name, platform and reference are checked by bangerd (src/images/pull). */
export const ImagePullParams = z
  .object({
    reference: z.string().min(1).max(1024),
    name: z.string().min(1).optional(),
    platform: z.string().min(1).max(64).optional(),
    kernelFrom: z.string().optional(),
  })
  .strict();
export const WorkspaceRecordParams = z
  .object({
    name: vmName,
    // The stored shape minus what the daemon fills in itself.
    workspace: WorkspaceSchema.omit({ vmId: true, preparedAt: true }).strict(),
  })
  .strict();
export const EVENT_TOPICS = ['vm.transition', 'vm.stats', 'image.progress', 'debug.inspect'] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];
export const SubscribeParams = z.object({ topics: z.array(z.enum(EVENT_TOPICS)).min(1) }).strict();
export const HelloParams = z.object({ clientVersion: z.string() }).strict();
export const Empty = z.object({}).strict();

export interface DaemonStatus {
  pid: number;
  version: string;
  startedAt: string;
  socket: string;
  stateDir: string;
  vmCount: number;
  /** This bangerd's instance id: the tag (`banger:<id>`) on the links it makes. */
  instance: string;
}

/** Method name → params schema and result type. */
export const METHOD_PARAMS = {
  'daemon.hello': HelloParams,
  'daemon.status': Empty,
  'daemon.shutdown': Empty,
  'vm.list': Empty,
  'vm.show': VmRefParams,
  'vm.create': VmCreateParams,
  'vm.start': VmRefParams,
  'vm.stop': VmStopParams,
  'vm.restart': VmRefParams,
  'vm.pause': VmRefParams,
  'vm.resume': VmRefParams,
  'vm.delete': VmStopParams,
  'vm.set': VmSetParams,
  'vm.snapshot.create': VmSnapshotCreateParams,
  'vm.snapshot.list': VmSnapshotListParams,
  'vm.snapshot.delete': SnapshotRefParams,
  'vm.restore': VmRestoreParams,
  'vm.fork': VmForkParams,
  'image.warm': ImageWarmParams,
  'vm.touch': VmRefParams,
  'vm.logs': VmLogsParams,
  'image.list': Empty,
  'image.show': ImageRefParams,
  'image.delete': ImageRefParams,
  'image.build': ImageBuildParams,
  'image.import': ImageImportParams,
  'image.pull': ImagePullParams,
  'vm.ports': VmRefParams,
  'vm.forward.add': VmForwardAddParams,
  'vm.forward.list': VmForwardListParams,
  'vm.forward.delete': VmForwardDeleteParams,
  'vm.stats': VmRefParams,
  'vm.ssh': VmRefParams,
  'vm.workspace': WorkspaceRecordParams,
  'events.subscribe': SubscribeParams,
  'debug.machines': Empty,
  'debug.actors': Empty,
} as const;

export interface MethodResults {
  /** `version` is the package version; `protocol` is PROTOCOL_VERSION. The client restarts the daemon when either differs. */
  'daemon.hello': { version: string; pid: number; protocol: string };
  'daemon.status': DaemonStatus;
  'daemon.shutdown': { stopping: true };
  'vm.list': VMRecord[];
  'vm.show': VMRecord;
  'vm.create': VMRecord;
  'vm.start': VMRecord;
  'vm.stop': VMRecord;
  'vm.restart': VMRecord;
  'vm.pause': VMRecord;
  'vm.resume': VMRecord;
  'vm.delete': { deleted: string };
  'vm.set': VMRecord;
  /** Memory snapshots report how long the guest was stopped (`pausedMs`). */
  'vm.snapshot.create': SnapshotRecord;
  /** One VM's snapshots, or every user and fork snapshot (warm ones too, marked by purpose). */
  'vm.snapshot.list': SnapshotRecord[];
  'vm.snapshot.delete': { deleted: string };
  /** The VM rolled back: running when the snapshot has memory (or the VM was running), else stopped. */
  'vm.restore': VMRecord;
  'vm.fork': VMRecord;
  /** The image's warm snapshot for that sizing (made now, or the current one). */
  'image.warm': SnapshotRecord;
  'vm.touch': VMRecord;
  /** `end`: the byte offset `text` ends at, where `--follow` continues; `truncated`: the lines asked for were longer than the answer may be. */
  'vm.logs': { path: string; text: string; end?: number; truncated?: boolean };
  'image.list': Image[];
  'image.show': Image;
  'image.delete': { deleted: string };
  'image.build': Image;
  'image.import': Image;
  /**
   * Pulled from an OCI registry into the shared blob cache, then imported like `image.import`; or, when an image was
   * pulled as the registry's manifest digest already, that image with `unchanged` (nothing downloaded or imported).
   */
  'image.pull': { image: Image; unchanged: boolean };
  /** Listening sockets in the guest (guest agent), HTTP(S)-probed; touches the VM. */
  'vm.ports': { name: string; rows: PortRow[] };
  /** The forward as recorded; `active` when the VM runs and it is bound now. */
  'vm.forward.add': ForwardView;
  'vm.forward.list': ForwardView[];
  /** What was removed (the forward on that port; both addresses' when no hostIp was given and two matched). */
  'vm.forward.delete': { deleted: ForwardView[] };
  'vm.stats': { name: string; state: VMState; stats: VMStats; uptimeMs?: number };
  /** Where and how the CLI reaches the guest over SSH (the CLI runs as the owner and reads the key itself); touches the VM. */
  'vm.ssh': SshTarget;
  /** Records the workspace the CLI copied into the guest. */
  'vm.workspace': VMRecord;
  /** Notifications for the topics then arrive on this connection until it closes (see Notifications). */
  'events.subscribe': { topics: EventTopic[] };
  'debug.machines': MachineGraph[];
  /** Live actors with their current state (visualizer, `banger debug`). */
  'debug.actors': DebugActor[];
}

export interface SshTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  /** banger's own known_hosts (never the user's); the host key is pinned under `hostKeyAlias`. */
  knownHostsPath: string;
  hostKeyAlias: string;
}

export interface DebugActor {
  id: string;
  machineId: string;
  state: string | null;
}

/** Server → client JSON-RPC notifications (method name → params), sent to subscribed connections. */
export interface Notifications {
  'vm.transition': VmTransition;
  'vm.stats': { vmId: string; name: string; state: VMState; stats: VMStats };
  'image.progress': { image: string; step: string; detail?: string; fraction?: number };
  'debug.inspect': InspectRecord;
}

export type MethodName = keyof typeof METHOD_PARAMS & keyof MethodResults;
export type MethodParams<M extends MethodName> = z.input<(typeof METHOD_PARAMS)[M]>;
export type MethodResult<M extends MethodName> = MethodResults[M];

export { PROTOCOL_VERSION } from './protocol.js';
