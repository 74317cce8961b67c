export { ensureSshKey, fingerprintOf } from './keys.js';
export type { SshKey } from './keys.js';
export { connectSsh, execCapture, execStream, waitForSsh, KnownHosts } from './ssh/index.js';
export type { SshTarget, SshSession, ExecResult } from './ssh/index.js';
export { AgentClient, waitForAgent, AGENT_VSOCK_PORT } from './agent-client.js';
export type { AgentTransport, AgentHealth, ListeningPort } from './agent-client.js';
