#!/usr/bin/env node
import { ensureToolPath } from '../host/exec/tool-path.js';
import { runCli } from './program.js';

// The CLI is minified (scripts/bundle-cli.mjs); with --debug, stacks from the command modules loaded from here on are mapped back to src/.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
ensureToolPath();

// A reader that stops early (`banger --help | head`) closes the pipe: the rest of the output has nowhere to go,
// which is not worth a stack trace. The CLI's own output goes through writeFd, which knows; commands that stream
// through process.stdout get the same guard when they first touch it (creating that stream eagerly costs start-up).
guardOnFirstUse('stdout');

// exitCode (not exit()) so pending stdout writes to a pipe are flushed first.
process.exitCode = await runCli(process.argv.slice(2));

function guardOnFirstUse(name: 'stdout'): void {
  const own = Object.getOwnPropertyDescriptor(process, name);
  const get = own?.get;
  if (!get) return;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: own.enumerable ?? false,
    get() {
      const stream = get.call(process) as NodeJS.WriteStream;
      // Once: from here on the real getter, which returns this same stream.
      Object.defineProperty(process, name, own);
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
        process.exit();
      });
      return stream;
    },
  });
}
