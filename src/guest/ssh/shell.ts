import type { Client, ClientChannel } from 'ssh2';
import { GuestError } from '../../errors/index.js';
import type { ExecResult } from './exec.js';

/** The local terminal, narrowed to what an interactive session needs (tests pass a fake). */
export interface LocalTerminal {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream & { columns?: number; rows?: number; on(event: 'resize', fn: () => void): unknown; off?(event: 'resize', fn: () => void): unknown };
  stderr: NodeJS.WritableStream;
}

/**
 * An interactive session with a PTY: local stdin in raw mode (so Ctrl-C, Ctrl-D
 * and arrow keys reach the guest's line discipline instead of killing banger),
 * window size sent at start and on every resize, terminal restored on exit.
 * With `command`, runs it under a PTY instead of a login shell.
 */
export function runInteractive(client: Client, term: LocalTerminal, command?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const window = {
      term: process.env.TERM ?? 'xterm-256color',
      rows: term.stdout.rows ?? 24,
      cols: term.stdout.columns ?? 80,
    };
    const onChannel = (err: Error | undefined, stream: ClientChannel): void => {
      if (err) {
        reject(new GuestError(`could not open a shell in the guest: ${err.message}`, { cause: err, code: 'ssh.shell' }));
        return;
      }
      const wasRaw = term.stdin.isTTY === true;
      if (wasRaw) term.stdin.setRawMode?.(true);
      const onResize = (): void => stream.setWindow(term.stdout.rows ?? 24, term.stdout.columns ?? 80, 0, 0);
      term.stdout.on('resize', onResize);
      const onData = (chunk: Buffer): void => {
        stream.write(chunk);
      };
      term.stdin.on('data', onData);
      term.stdin.resume();
      stream.pipe(term.stdout, { end: false });
      stream.stderr.pipe(term.stderr, { end: false });
      let result: ExecResult = { code: 255, signal: 'connection-lost' };
      stream.on('exit', (code: number | null, signalName?: string) => {
        result = typeof code === 'number' ? { code } : { code: 255, ...(signalName ? { signal: signalName } : {}) };
      });
      stream.on('close', () => {
        term.stdin.off('data', onData);
        term.stdin.pause();
        term.stdout.off?.('resize', onResize);
        if (wasRaw) term.stdin.setRawMode?.(false);
        resolve(result);
      });
    };
    if (command === undefined) client.shell(window, onChannel);
    else client.exec(command, { pty: window }, onChannel);
  });
}
