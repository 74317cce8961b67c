/** Reported by helper.ping so bangerd can spot a stale helper after an upgrade. */
export const HELPER_VERSION = '0.1.0';
