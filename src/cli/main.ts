#!/usr/bin/env node
import { ensureToolPath } from '../host/exec/tool-path.js';
import { runCli } from './program.js';

ensureToolPath();

// exitCode (not exit()) so pending stdout writes to a pipe are flushed first.
process.exitCode = await runCli(process.argv.slice(2));
