/**
 * Says what a wait longer than a second is waiting for, and for how long, on
 * stderr (stdout stays the command's data). A terminal gets one line
 * rewritten every second, "waiting for SSH on dev (12 s of 60 s)…", erased
 * when the wait ends. Anything else (a pipe, a CI log) gets a single line
 * with the limit, and only once the wait has lasted 5 s: such a line cannot
 * be erased, and a wait of a second or two (a daemon start on a loaded host)
 * should not change what scripts and tests read on stderr. Nothing under
 * --json (`enabled: false`).
 */
export interface WaitNotice {
  /** Ends the notice (idempotent); the terminal line is erased. */
  stop(): void;
}

export interface WaitNoticeOptions {
  stream?: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>;
  enabled?: boolean;
  /** First notice after this long. @default 1000 on a terminal, 5000 elsewhere */
  afterMs?: number;
  now?: () => number;
}

export function startWaitNotice(what: string, limitMs: number | undefined, opts: WaitNoticeOptions = {}): WaitNotice {
  const stream = opts.stream ?? process.stderr;
  if (opts.enabled === false) return { stop: () => undefined };
  const now = opts.now ?? Date.now;
  const started = now();
  const limit = limitMs !== undefined ? ` of ${Math.round(limitMs / 1000)} s` : '';
  let shown = false;
  let ticker: NodeJS.Timeout | undefined;
  const tty = stream.isTTY === true;
  const draw = (): void => {
    const secs = Math.round((now() - started) / 1000);
    const line = `  waiting for ${what} (${secs} s${limit})…`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 80) - 1)}`);
    shown = true;
  };
  const first = setTimeout(() => {
    if (tty) {
      draw();
      ticker = setInterval(draw, 1000);
      ticker.unref();
    } else {
      stream.write(`  waiting for ${what}${limitMs !== undefined ? ` (up to ${Math.round(limitMs / 1000)} s)` : ''}…\n`);
    }
  }, opts.afterMs ?? (tty ? 1000 : 5000));
  first.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(first);
      if (ticker) clearInterval(ticker);
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
