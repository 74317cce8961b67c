export { createOverlay, removeOverlay } from './overlay.js';
export type { CreateOverlayOptions, Overlay, OverlayKind } from './overlay.js';
export { createWorkDisk, growWorkDisk, removeWorkDisk } from './work-disk.js';
export type { CreateWorkDiskOptions } from './work-disk.js';
export { makeExt4, checkExt4, growExt4, allocatedBytes, copyTreeIntoExt4 } from './ext4.js';
export type { MakeExt4Options } from './ext4.js';
