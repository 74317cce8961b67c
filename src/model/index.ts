export type {
  VMState,
  VMSpec,
  VMRuntime,
  VMStats,
  VMRecord,
  VMHandles,
  VmmName,
  ImageProfile,
  ImageImportFormat,
  ImageSource,
  Image,
  WorkspacePrepareMode,
  WorkspacePrepareResult,
  FileSyncEntry,
  PortRow,
} from './types.js';
export { VM_STATES, VMM_NAMES } from './types.js';
export { newId, shortId, nowIso } from './ids.js';
export { VM_NAME_PATTERN, vmNameProblem, vmNameTaken, isValidVmName, friendlyName, checkImageName } from './names.js';
export { parseSize, parseDiskSize, parseMemoryMiB, flagExample, formatSize, formatMiB, SizeParseError, MAX_DISK_BYTES, MiB, GiB } from './size.js';
export { VCPU_LIMITS, MEMORY_MIB_LIMITS } from './limits.js';
export type { MachineGraph, MachineGraphNode, MachineGraphEdge, InspectRecord, VmTransition } from './machine-views.js';
export type { SnapshotRecord, SnapshotFiles } from './snapshot.js';
export { SNAPSHOT_NAME_PATTERN } from './snapshot.js';
export type { PortForward, ForwardSpec, ForwardProto, ForwardView } from './forward.js';
export { parseForwardSpec, parsePort, formatForward, formatHostAddress } from './forward-spec.js';
export { legacyImageSource, formatImageSource, shortImageSource } from './image-source.js';
