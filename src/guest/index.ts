export { ensureSshKey } from './keys.js';
export { AgentClient, AGENT_VSOCK_PORT } from './agent-client.js';
export type { AgentTransport } from './agent-client.js';
