export { GuestKitRefusedError, GuestRoot, isGuestFile, resolveGuestPath } from './guest-root.js';
export type { GuestEntry } from './guest-root.js';
export { installSystemdKit } from './systemd.js';
export type { SystemdKitOptions } from './systemd.js';
