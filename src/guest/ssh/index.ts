export { shellQuote, commandLine } from './quote.js';
export { KnownHosts, hostKeyFromBlob } from './known-hosts.js';
export { connectSsh } from './client.js';
export type { SshTarget, SshSession } from './client.js';
export { execStream, execCapture } from './exec.js';
export { runInteractive } from './shell.js';
export { waitForSsh, waitForSshBanner } from './wait.js';
