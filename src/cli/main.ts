#!/usr/bin/env node
import { ensureToolPath } from '../host/exec/tool-path.js';
import { runCli } from './program.js';

// The CLI is minified (scripts/bundle-cli.mjs); with --debug, stacks from the command modules loaded from here on are mapped back to src/.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
ensureToolPath();

// A reader that stops early (`banger --help | head`) closes the pipe: the rest of the output has nowhere to go,
// which is not worth a stack trace. Help with examples arrives in several writes, so this is no longer rare.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit();
});

// exitCode (not exit()) so pending stdout writes to a pipe are flushed first.
process.exitCode = await runCli(process.argv.slice(2));
