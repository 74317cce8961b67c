export { ensureSshKey } from './keys.js';
export { AGENT_VSOCK_PORT, connectAnswering } from './agent-client.js';
export type { AgentTransport } from './agent-client.js';
