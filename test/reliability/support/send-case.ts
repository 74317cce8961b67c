import { connect, type Socket } from 'node:net';
import type { MalformedCase } from './malformed.js';

export interface CaseOutcome {
  kind: string;
  /** Parsed first reply line, when one came. */
  reply?: unknown;
  /** The reply line was not JSON (a server bug). */
  unparsable?: string;
  closed: boolean;
  /** Neither a reply nor a close within the wait. */
  silent: boolean;
}

/**
 * Opens a fresh connection, runs `prelude` lines (e.g. the helper's hello),
 * writes the case and waits for the first reply line or a close.
 */
export async function sendCase(socketPath: string, c: MalformedCase, opts: { prelude?: string[]; waitMs?: number } = {}): Promise<CaseOutcome> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(socketPath);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
  socket.on('error', () => undefined);
  let buf = Buffer.alloc(0);
  let closed = false;
  const lines: Buffer[] = [];
  let wake: () => void = () => undefined;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a)) {
      lines.push(buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
    }
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });
  const next = async (ms: number): Promise<Buffer | undefined> => {
    const deadline = Date.now() + ms;
    while (lines.length === 0 && !closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, deadline - Date.now());
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    return lines.shift();
  };
  try {
    for (const p of opts.prelude ?? []) {
      socket.write(`${p}\n`);
      const ack = await next(5000);
      if (!ack) throw new Error(`prelude ${p.slice(0, 60)} got no reply`);
    }
    socket.write(c.payload);
    const first = await next(opts.waitMs ?? 5000);
    if (!first) return { kind: c.kind, closed, silent: !closed };
    const text = first.toString('utf8');
    try {
      return { kind: c.kind, reply: JSON.parse(text) as unknown, closed, silent: false };
    } catch {
      return { kind: c.kind, unparsable: text.slice(0, 200), closed, silent: false };
    }
  } finally {
    socket.destroy();
  }
}

interface RpcError {
  code: number;
  message: string;
  data?: { hint?: string };
}

/** Problems with a reply: not JSON-RPC, an error message spanning lines, a result where an error was due. */
export function replyProblems(o: CaseOutcome, expect: MalformedCase['expect']): string[] {
  const problems: string[] = [];
  if (o.unparsable !== undefined) return [`reply is not JSON: ${o.unparsable}`];
  if (o.reply === undefined) {
    if (expect === 'error-or-close' && o.silent) problems.push('no reply and no close');
    return problems;
  }
  const items = Array.isArray(o.reply) ? (o.reply as unknown[]) : [o.reply];
  for (const item of items) {
    const r = item as { jsonrpc?: unknown; result?: unknown; error?: RpcError };
    if (r?.jsonrpc !== '2.0') problems.push(`reply without jsonrpc 2.0: ${JSON.stringify(item).slice(0, 120)}`);
    else if (r.error) {
      if (typeof r.error.message !== 'string' || r.error.message.length === 0) problems.push('error without a message');
      else if (/[\r\n]/.test(r.error.message)) problems.push(`error message spans lines: ${JSON.stringify(r.error.message.slice(0, 120))}`);
      else if (r.error.message.length > 600) problems.push(`error message is ${r.error.message.length} chars (echoes input?)`);
    } else if (expect === 'error-or-close' && !Array.isArray(o.reply)) problems.push(`got a result where an error was due: ${JSON.stringify(item).slice(0, 120)}`);
  }
  return problems;
}
