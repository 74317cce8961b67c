#!/usr/bin/env node
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { destination, pino } from 'pino';
import { formatErrorLines, toBangerError } from '../src/errors/index.js';
import { createExecFileRunner } from '../src/host/exec/index.js';
import { ensureToolPath } from '../src/host/exec/tool-path.js';
import { parseHelperArgs, readToken } from './args.js';
import { createOpExecutor } from './executor.js';
import { startHelperServer } from './server.js';
import { createTunAccess } from './tun-access.js';

/** banger-helper entry point: parse flags, grant the owner the tun device, serve until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  ensureToolPath();
  const config = parseHelperArgs(process.argv.slice(2));
  const logger = pino({ name: 'banger-helper', level: config.logLevel }, destination(2));
  if (process.getuid?.() !== 0) logger.warn('banger-helper is not running as root; privileged operations will fail');
  const runner = createExecFileRunner();
  await mkdir(dirname(config.socketPath), { recursive: true, mode: 0o755 });
  const tun = createTunAccess({ runner, recordPath: join(dirname(config.socketPath), `tun-access-${config.policy.ownerUid}.json`) });
  const tunAccess = await tun.grant(config.policy.ownerUid);
  if (tunAccess.state === 'failed') logger.error({ err: tunAccess.message }, 'cannot give the owner access to /dev/net/tun; VMs will fail to open their taps');
  else logger.info({ tun: tunAccess.state }, 'owner access to /dev/net/tun');
  const ownerName = await userName(runner, config.policy.ownerUid);
  const executor = createOpExecutor({ policy: { ...config.policy, ...(ownerName ? { ownerName } : {}) }, logger, runner, facts: { tun: tunAccess.state } });
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
    void server
      .close()
      .then(() => tun.revoke())
      .catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'helper stop failed'))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** The owner's user name (NSS, so LDAP users too), or undefined when the uid has none. */
async function userName(runner: ReturnType<typeof createExecFileRunner>, uid: number): Promise<string | undefined> {
  const res = await runner.run('getent', ['passwd', String(uid)]).catch(() => undefined);
  const name = res?.exitCode === 0 ? res.stdout.split(':')[0]?.trim() : undefined;
  return name || undefined;
}

main().catch((err: unknown) => {
  const e = toBangerError(err);
  for (const line of formatErrorLines(e, 'banger-helper')) process.stderr.write(`${line}\n`);
  process.exit(e.exitCode);
});
