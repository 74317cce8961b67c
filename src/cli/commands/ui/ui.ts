import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { RpcClient } from '../../../rpc/index.js';
import { parsePort, untilSignal } from '../../serve.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Serve the web dashboard on 127.0.0.1 until Ctrl-C';

export function options(cmd: Command): void {
  cmd.option('--port <port>', 'port to listen on (0 picks a free one)', '0');
  cmd.option('--host <address>', 'loopback address to listen on (127.0.0.0/8 or ::1)', '127.0.0.1');
  cmd.option('--open', 'open the dashboard in the default browser (xdg-open)');
}

/** A page that sends the browser on to `url`, so the token never appears on a command line (/proc/PID/cmdline is world-readable). */
export function redirectPage(url: string): string {
  const attr = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>banger</title>
<meta http-equiv="refresh" content="0;url=${attr}">
<script>location.replace(${JSON.stringify(url).replace(/</g, '\\u003c')});</script>
</head><body><a href="${attr}">Open the banger dashboard</a></body></html>
`;
}

/**
 * Writes the redirect page (0600, in the user's runtime dir) and hands it to
 * xdg-open. Returns the file (removed when the server stops) and a problem to
 * report, if any; failing to open a browser never stops the server.
 */
export async function openInBrowser(url: string, runtimeDir: string, opener = 'xdg-open'): Promise<{ file: string; problem: Promise<string | undefined> }> {
  await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
  const file = join(runtimeDir, `ui-${randomBytes(8).toString('hex')}.html`);
  await writeFile(file, redirectPage(url), { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600); // the mode above is filtered by umask; this is exact
  const problem = new Promise<string | undefined>((resolve) => {
    const child = spawn(opener, [file], { detached: true, stdio: 'ignore' });
    child.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ENOENT' ? `${opener} is not installed; open the URL above in a browser` : `${opener} failed: ${err.message}; open the URL above in a browser`),
    );
    child.once('exit', (code) => resolve(code === 0 || code === null ? undefined : `${opener} exited with ${code}; open the URL above in a browser`));
    child.unref();
  });
  return { file, problem };
}

/**
 * `banger ui [--port N] [--host ADDR] [--open] [--json]`: a process of its
 * own (not bangerd) serving the dashboard until SIGINT/SIGTERM, then exit 0.
 */
export async function run({ opts, cli }: CommandInput): Promise<CommandOutput> {
  const port = parsePort(opts.port, 'ui.port');
  const host = typeof opts.host === 'string' ? opts.host : '127.0.0.1';
  const { assertLoopbackHost, startUiServer } = await import('../../../ui/server/index.js');
  // Refuse a bad --host before starting a daemon for nothing (startUiServer checks again).
  assertLoopbackHost(host);
  const first = await cli.daemon();
  const server = await startUiServer(
    {
      // Reconnects only connect: a daemon the user stopped on purpose is not started again behind their back.
      connect: (initial) => (initial ? Promise.resolve(first) : RpcClient.connect(cli.layout.daemonSocket, { timeoutMs: 1000 })),
      stateDir: cli.layout.stateDir,
      onStatus: (s) => {
        if (s.state === 'reconnecting' && s.attempt === 0) process.stderr.write(`banger ui: daemon connection lost (${s.error}); reconnecting…\n`);
        if (s.state === 'connected' && s.reconnected) process.stderr.write(`banger ui: ${s.restarted ? 'daemon restarted, reconnected' : 'reconnected'}\n`);
        if (s.state === 'connected' && s.liveError) process.stderr.write(`banger ui: no live events from this daemon (${s.liveError})\n`);
      },
    },
    { host, port },
  );
  // Listening for the stop signal before saying we are ready: a script that reads the document and
  // signals at once must get a clean stop (exit 0), not node's default death by SIGTERM.
  const stopped = untilSignal();
  // Printed now, as the invocation's one result (one envelope under --json): the command runs until Ctrl-C.
  const ready = { url: server.url, host, port: server.port };
  cli.announce({ data: ready, human: `banger ui: ${server.url}  (Ctrl-C stops)` });
  let redirectFile: string | undefined;
  if (opts.open === true) {
    try {
      const opened = await openInBrowser(server.url, cli.layout.runtimeDir);
      redirectFile = opened.file;
      void opened.problem.then((p) => p && process.stderr.write(`banger ui: could not open a browser\n  hint: ${p}\n`));
    } catch (err) {
      process.stderr.write(`banger ui: could not open a browser (${(err as Error).message})\n  hint: open the URL above in a browser\n`);
    }
  }
  await stopped;
  await server.close();
  if (redirectFile) await rm(redirectFile, { force: true });
  return { data: ready, human: '' };
}
