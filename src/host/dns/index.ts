export { startDnsServer } from './server.js';
export type { DnsServer, DnsServerOptions } from './server.js';
export { answerQuery, RCODE } from './answer.js';
export type { AnswerOptions } from './answer.js';
