import type { Command } from 'commander';
import { open, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { UsageError } from '../../../errors/index.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = "Print a VM's serial console log (--follow to keep reading)";

export function options(cmd: Command): void {
  cmd
    .argument('<name>', 'VM name or id')
    .option('-f, --follow', 'keep printing new output until Ctrl-C')
    .option('-n, --tail <lines>', 'only the last LINES lines of the log (0: none, e.g. with --follow for new output only)', String(DEFAULT_TAIL_LINES));
}

const DEFAULT_TAIL_LINES = 200;
/** The daemon's bound (VmLogsParams): past a million lines, ask for the file (the path is in --json). */
const MAX_TAIL_LINES = 1_000_000;

/** `--tail`: a whole number of lines, checked before the daemon is asked. */
export function parseTail(raw: unknown): number {
  const text = String(raw).trim();
  if (!/^\d+$/.test(text) || Number(text) > MAX_TAIL_LINES) {
    throw new UsageError(`--tail ${JSON.stringify(String(raw))} is not a number of lines`, {
      code: 'usage.invalid_value',
      hint: `give a whole number of lines from 0 to ${MAX_TAIL_LINES}, e.g. --tail 50 (0 prints none, for --follow)`,
    });
  }
  return Number(text);
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  // A stream that never ends has no one JSON document to print (docs/cli/json.md, "Streaming commands").
  if (opts.follow === true && cli.json) {
    throw new UsageError('--follow cannot be combined with --json', {
      code: 'usage.json_unsupported',
      hint: `drop --follow for the log so far as one JSON document (banger vm logs ${args[0] ?? 'NAME'} --json), or drop --json to follow it as text`,
    });
  }
  const tailLines = parseTail(opts.tail);
  const client = await cli.daemon();
  let path: string;
  let end: number | undefined;
  try {
    const res = await client.call('vm.logs', { name: args[0]!, tailLines });
    path = res.path;
    end = res.end;
    if (res.truncated) process.stderr.write(`banger: the last ${tailLines} lines are longer than one answer; showing their end (the whole log: ${res.path})\n`);
    if (!opts.follow) return { data: res, human: res.text.replace(/\n$/, '') };
    process.stdout.write(res.text);
  } finally {
    client.close();
  }
  // Follow by reading the file the daemon named: the CLI runs as the same user, and polling a file
  // needs no daemon round trip per chunk. It continues where the daemon's tail ended, so nothing
  // written between the two is lost or printed twice.
  let offset = end ?? (await stat(path).catch(() => ({ size: 0 }))).size;
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  while (!stop.signal.aborted) {
    const size = (await stat(path).catch(() => ({ size: offset }))).size;
    if (size < offset) offset = 0; // truncated or recreated by a restart
    if (size > offset) {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        await fh.read(buf, 0, buf.length, offset);
        process.stdout.write(buf);
        offset = size;
      } finally {
        await fh.close();
      }
    }
    await delay(300, undefined, { signal: stop.signal }).catch(() => undefined);
  }
  return { data: { path }, human: '' };
}
