export { createForwardService } from './service.js';
export type { ForwardService } from './service.js';
export { startTcpForward } from './tcp.js';
export { startUdpForward } from './udp.js';
export type { Listener } from './listener.js';
export { ClientTable } from './client-table.js';
export { parseProcNet, socketsOnPort, findPortHolder } from './holder.js';
export { checkHostAddress, checkPrivilegedPort, bindError, addressesOverlap } from './checks.js';
