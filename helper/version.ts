import { packageVersion } from '../src/wire/version.js';

/** Reported by helper.ping so bangerd can spot a stale helper after an upgrade: the package's own version, never a copy. */
export const HELPER_VERSION = packageVersion();
