import type { Notifications } from '../rpc/methods.js';

/**
 * Progress lines on stderr while the daemon works (image build, VM boot), so
 * stdout carries only the guest command's output. On a TTY the line is
 * rewritten in place; elsewhere each step is its own line, without repeats.
 */
export interface Progress {
  step(text: string): void;
  /** Ends the in-place line so later output starts on a fresh line. */
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, enabled = true): Progress {
  const tty = stream.isTTY === true;
  let last = '';
  let open = false;
  const started = Date.now();
  let ticker: NodeJS.Timeout | undefined;
  const draw = (): void => {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const line = `  ${last} (${secs}s)`;
    const width = stream.columns ?? 80;
    stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
    open = true;
  };
  return {
    step(text) {
      if (!enabled || text === last) return;
      last = text;
      if (tty) {
        draw();
        // A step can last long (a boot waiting for the guest, a graceful stop): the clock keeps moving, so the wait is visible.
        ticker ??= setInterval(draw, 1000);
        ticker.unref();
      } else {
        stream.write(`  ${text} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
      }
    },
    done() {
      if (ticker) clearInterval(ticker);
      ticker = undefined;
      if (open) stream.write('\n');
      open = false;
    },
  };
}

/**
 * The states a VM can stay in for more than a moment, and what it is waiting
 * for there: the line says so while the clock runs (a wait longer than a
 * second says what it waits for).
 */
const WAITS_FOR: Readonly<Record<string, string>> = {
  'starting.guestReady': 'waiting for the guest to answer SSH',
  stopping: 'waiting for the guest to shut down, then killed',
  snapshotting: 'saving memory and disks',
};

/** Human text for a notification relevant to one VM (or any image build), or null. */
export function describeNotification(method: string, params: unknown, vmName: string): string | null {
  if (method === 'vm.transition') {
    const t = params as Notifications['vm.transition'];
    if (t.name !== vmName) return null;
    if (t.error) return `${vmName}: ${t.to} (${t.error})`;
    const waiting = WAITS_FOR[t.to];
    return `${vmName}: ${t.to.replace('.', ' → ')}${waiting ? ` · ${waiting}` : ''}`;
  }
  if (method === 'image.progress') {
    const p = params as Notifications['image.progress'];
    const pct = p.fraction !== undefined ? ` ${Math.round(p.fraction * 100)}%` : '';
    return `image ${p.image}: ${p.step}${pct}${p.detail ? ` · ${p.detail}` : ''}`;
  }
  return null;
}

/**
 * Runs a long daemon call while rendering the VM's transitions and image
 * build steps as progress. Subscribes on the same connection first, so no
 * event of this call is missed. Silent under --json.
 */
export async function withProgress<T>(
  client: { call(method: 'events.subscribe', params: { topics: ('vm.transition' | 'image.progress')[] }): Promise<unknown>; onNotification(h: (method: string, params: unknown) => void): () => void },
  vmName: string,
  opts: { quiet: boolean; stream?: NodeJS.WriteStream },
  fn: () => Promise<T>,
): Promise<T> {
  if (opts.quiet) return fn();
  const progress = createProgress(opts.stream);
  const off = client.onNotification((method, params) => {
    const text = describeNotification(method, params, vmName);
    if (text) progress.step(text);
  });
  try {
    await client.call('events.subscribe', { topics: ['vm.transition', 'image.progress'] });
    return await fn();
  } finally {
    off();
    progress.done();
  }
}
