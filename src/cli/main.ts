#!/usr/bin/env node
import { ensureToolPath } from '../host/exec/tool-path.js';
import { runCli } from './program.js';

// The CLI is minified (scripts/bundle-cli.mjs); with --debug, stacks from the command modules loaded from here on are mapped back to src/.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
ensureToolPath();

// exitCode (not exit()) so pending stdout writes to a pipe are flushed first.
process.exitCode = await runCli(process.argv.slice(2));
