export { GuestRoot, isGuestFile, resolveGuestPath } from './guest-root.js';
export { installSystemdKit } from './systemd.js';
