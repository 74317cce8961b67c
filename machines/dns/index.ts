export { dnsMachine } from './machine.js';
export type { DnsMachine } from './machine.js';
export { provideDns } from './actors.js';
export type { DnsEvent, DnsInput, DnsContext, HostDnsMode } from './events.js';
