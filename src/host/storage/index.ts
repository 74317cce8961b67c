export { createOverlay, diskFormat, qcow2VirtualSize, removeOverlay } from './overlay.js';
export { createWorkDisk, growWorkDisk, removeWorkDisk } from './work-disk.js';
export { makeExt4, allocatedBytes, dirAllocatedBytes } from './ext4.js';
export { recordedOwnership, ownershipForCaller } from './ownership.js';
export type { OwnershipSink } from './ownership.js';
export { fakerootLine, makedev } from './fakeroot.js';
export type { FakerootEntry } from './fakeroot.js';
