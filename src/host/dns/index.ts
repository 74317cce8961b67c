export { startDnsServer } from './server.js';
export type { DnsServer } from './server.js';
export { answerQuery, RCODE } from './answer.js';
export { createForwarder } from './forward.js';
export type { Upstream } from './forward.js';
export { parseResolvConf, systemUpstreams, fixedUpstreams } from './upstreams.js';
