export { ensureSshKey, fingerprintOf } from './keys.js';
export type { SshKey } from './keys.js';
export { sshExec, waitForSsh } from './ssh-exec.js';
export type { SshTarget, ExecResult } from './ssh-exec.js';
export { AgentClient, waitForAgent, AGENT_VSOCK_PORT } from './agent-client.js';
export type { AgentTransport, AgentHealth, ListeningPort } from './agent-client.js';
