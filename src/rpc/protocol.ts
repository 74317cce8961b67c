/**
 * Version string both ends compare in `daemon.hello`; a mismatch restarts the
 * daemon. Its own module (no zod) so the CLI's startup does not load the schemas.
 */
export const PROTOCOL_VERSION = '1';
