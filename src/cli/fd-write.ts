import { fstatSync, writeSync } from 'node:fs';

/**
 * Writes the CLI's own output (results, help, errors) straight to fd 1 or 2.
 * `process.stdout` on a pipe or terminal is a net.Socket, and creating it
 * loads the stream and net modules: about a tenth of `banger --help`'s whole
 * run. Writes on Linux pipes and terminals are synchronous either way, so the
 * order against anything written through process.stdout is kept.
 */
export function writeFd(fd: 1 | 2, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // The reader went away (`banger --help | head`): the rest has nowhere to go, which is not worth a stack trace.
      if (code === 'EPIPE') process.exit();
      // A non-blocking descriptor that is full: hand the rest to Node's stream, which waits for it.
      if (code === 'EAGAIN') {
        (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(off));
        return;
      }
      throw err;
    }
  }
}

/** Whether fd 1 or 2 is a terminal (a character device), asked without creating process.stdout (node:tty loads net). */
export function onTerminal(fd: 1 | 2): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}
