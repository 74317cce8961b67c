#!/usr/bin/env node
import { runCli } from './program.js';

// exitCode (not exit()) so pending stdout writes to a pipe are flushed first.
process.exitCode = await runCli(process.argv.slice(2));
