export { HOSTS_INSTANCE_RE, applyHostsBlock, readHostsBlock, listHostsBlocks } from './block.js';
export type { HostsFs } from './file.js';
export { syncHostsBlock, realHostsFs } from './file.js';
