#!/usr/bin/env node
import { destination, pino } from 'pino';
import { formatErrorLines, toBangerError } from '../src/errors/index.js';
import { parseHelperArgs, readToken } from './args.js';
import { createOpExecutor } from './executor.js';
import { startHelperServer } from './server.js';

/** banger-helper entry point: parse flags, serve until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = parseHelperArgs(process.argv.slice(2));
  const logger = pino({ name: 'banger-helper', level: config.logLevel }, destination(2));
  if (process.getuid?.() !== 0) logger.warn('banger-helper is not running as root; privileged operations will fail');
  const executor = createOpExecutor({ policy: config.policy, logger });
  const server = await startHelperServer({
    socketPath: config.socketPath,
    executor,
    ownerUid: config.policy.ownerUid,
    ownerGid: config.policy.ownerGid,
    ...(config.tokenFile ? { token: readToken(config.tokenFile) } : {}),
    logger,
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'helper stopping');
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const e = toBangerError(err);
  for (const line of formatErrorLines(e, 'banger-helper')) process.stderr.write(`${line}\n`);
  process.exit(e.exitCode);
});
