import type { Socket } from 'node:net';

/**
 * NDJSON framing for bangerd's and banger-helper's sockets: one JSON-RPC
 * message per line, `\n`-terminated, both ways. The decoder bounds the
 * buffered line so a peer that never sends a newline cannot grow either
 * process's memory without limit.
 */

/** Longest line accepted (bytes, excluding the newline). */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`line longer than ${limit} bytes`);
    this.name = 'LineTooLongError';
  }
}

/**
 * Splits a byte stream into lines. `push` returns the complete lines found and
 * throws LineTooLongError once the pending partial line passes the limit.
 * Empty lines (keep-alives, stray `\r\n` halves) are skipped.
 */
export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      this.checkLimit(piece.length);
      const full = this.pending.length > 0 ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      const line = full.toString('utf8').replace(/\r$/, '');
      if (line.trim() !== '') lines.push(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.checkLimit(rest.length);
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /** Bytes of an unfinished line (a peer that closes with this > 0 sent half a message). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private checkLimit(extra: number): void {
    if (this.pendingBytes + extra > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
  }
}

/** Serialises one message as a line. JSON.stringify never emits a raw newline. */
export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Client side: hands each JSON message `socket` sends to `onMessage`. A line
 * that is not JSON is skipped and an overlong one drops the connection: a
 * server never sends either, and neither may crash the client.
 */
export function readMessages(socket: Socket, onMessage: (message: unknown) => void): void {
  const decoder = new LineDecoder();
  socket.on('data', (chunk: Buffer) => {
    let lines: string[];
    try {
      lines = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const line of lines) {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        continue;
      }
      onMessage(message);
    }
  });
}
