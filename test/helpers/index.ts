export { createTempRoot } from './temp-root.js';
export type { TempRoot } from './temp-root.js';
export { CliRig, CLI_MAIN, DAEMON_MAIN, REPO_ROOT, isAlive, waitGone, waitFor, processesUnder, vmmPidsUnder } from './rig.js';
export type { CliResult } from './rig.js';
export { makeImage, makeVm } from './fixtures.js';
export { RawPeer } from './raw-socket.js';
