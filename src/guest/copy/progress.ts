/**
 * Bytes and rate of a copy on stderr, rewritten in place at most 4 times a
 * second, and only on a TTY (a log file gets the final line only). Silent
 * under --json: the summary object is the whole output.
 */
export interface TransferProgress {
  add(bytes: number): void;
  /** The expected size, once known: the live line then shows a percentage. */
  setTotal(bytes: number): void;
  /** Clears the live line; returns the totals line (for the caller to print). */
  finish(): { bytes: number; seconds: number };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatRate(bytes: number, seconds: number): string {
  return `${formatBytes(seconds > 0 ? bytes / seconds : bytes)}/s`;
}

export function createTransferProgress(opts: { stream?: NodeJS.WriteStream; enabled: boolean; label: string; total?: number; now?: () => number; intervalMs?: number }): TransferProgress {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const live = opts.enabled && stream.isTTY === true;
  const interval = opts.intervalMs ?? 250;
  const started = now();
  let bytes = 0;
  let total = opts.total;
  let lastDraw = 0;
  let drawn = false;
  const draw = (): void => {
    const secs = (now() - started) / 1000;
    const pct = total ? ` ${Math.min(100, Math.floor((bytes / total) * 100))}%` : '';
    const of = total ? ` of ${formatBytes(total)}` : '';
    const line = `  ${opts.label}: ${formatBytes(bytes)}${of}${pct} · ${formatRate(bytes, secs)}`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 80) - 1)}`);
    drawn = true;
  };
  return {
    add(n) {
      bytes += n;
      if (!live) return;
      const t = now();
      if (t - lastDraw >= interval) {
        lastDraw = t;
        draw();
      }
    },
    setTotal(n) {
      total = n;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
      return { bytes, seconds: (now() - started) / 1000 };
    },
  };
}
