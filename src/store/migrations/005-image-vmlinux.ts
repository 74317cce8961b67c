import type { Migration } from './types.js';

/**
 * Version 5: `images.vmlinux_path`, the uncompressed ELF kernel Firecracker
 * boots (src/images/kernel/vmlinux.ts). NULL for images built before it:
 * bangerd extracts one at start (src/images/upgrade-vmlinux.ts) and fills it in.
 */
export const imageVmlinux: Migration = {
  version: 5,
  name: 'image-vmlinux',
  up(db) {
    db.exec('ALTER TABLE images ADD COLUMN vmlinux_path TEXT');
  },
};
