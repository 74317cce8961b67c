import type { Socket } from 'node:net';

/**
 * Calls `onMessage` with each JSON object a socket sends, one per line (QMP,
 * the guest agent). Lines that are not JSON objects are skipped: a console
 * echo or a partial line left from an earlier session must not wedge a client.
 */
export function onJsonLines(sock: Socket, onMessage: (msg: Record<string, unknown>) => void): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      if (msg !== null && typeof msg === 'object' && !Array.isArray(msg)) onMessage(msg as Record<string, unknown>);
    }
  });
}
