export { dnsMachine } from './machine.js';
export type { HostDnsMode } from './events.js';
