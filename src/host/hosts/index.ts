export type { HostsEntry } from './block.js';
export { HOSTS_INSTANCE_RE, hostsBlockMarkers, applyHostsBlock, readHostsBlock, listHostsBlocks } from './block.js';
export type { HostsFs, HostsSyncResult } from './file.js';
export { syncHostsBlock, realHostsFs } from './file.js';
