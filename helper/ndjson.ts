import type { Socket } from 'node:net';
import { serialiseReply } from '../src/rpc/index.js';

/** Max bytes of one NDJSON message; a longer line is a broken or hostile peer. */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Calls `onLine` for each newline-terminated message on `socket`. Calls
 * `onOverflow` (and stops reading) when a line exceeds MAX_LINE_BYTES.
 */
export function readLines(socket: Socket, onLine: (line: string) => void, onOverflow: () => void): void {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) onLine(line);
      nl = buf.indexOf('\n');
    }
    if (buf.length > MAX_LINE_BYTES) {
      buf = '';
      onOverflow();
    }
  });
}

export function writeLine(socket: Socket, message: unknown): void {
  if (!socket.destroyed) socket.write(`${serialiseReply(message)}\n`);
}
