#!/usr/bin/env node
import { formatErrorLines, toBangerError } from '../errors/index.js';
import { ensureToolPath } from '../host/exec/tool-path.js';
import { startDaemon } from './daemon.js';

/**
 * bangerd entry point. Runs in the foreground; the CLI starts it detached with
 * stdout/stderr sent to the log file, and systemd can run it as is.
 */
async function main(): Promise<void> {
  ensureToolPath();
  let daemon;
  try {
    daemon = await startDaemon();
  } catch (err) {
    const be = toBangerError(err);
    for (const line of formatErrorLines(be, 'bangerd')) process.stderr.write(`${line}\n`);
    if (be.kind === 'internal' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(be.exitCode);
  }
  const d = daemon;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => void d.stop(sig));
  }
  process.on('uncaughtException', (err) => {
    d.ctx.logger.fatal({ err }, 'uncaught exception; stopping');
    void d.stop('uncaught exception').finally(() => process.exit(1));
  });
  await d.stopped;
  process.exit(0);
}

void main();
