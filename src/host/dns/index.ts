export { startDnsServer } from './server.js';
export type { DnsServer, DnsServerOptions } from './server.js';
export { answerQuery, isForwardable, RCODE } from './answer.js';
export type { AnswerOptions } from './answer.js';
export { createForwarder } from './forward.js';
export type { Forwarder, ForwarderOptions, Upstream } from './forward.js';
export { parseResolvConf, systemUpstreams, fixedUpstreams } from './upstreams.js';
export type { SystemUpstreamsOptions } from './upstreams.js';
