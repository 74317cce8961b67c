import type { Command } from 'commander';
import { open, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { UsageError } from '../../../errors/index.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = "Print a VM's serial console log (--follow to keep reading)";

export function options(cmd: Command): void {
  cmd.argument('<name>', 'VM name or id').option('-f, --follow', 'keep printing new output until Ctrl-C').option('--tail <bytes>', 'only the last BYTES of the log', '65536');
}

export async function run({ args, opts, cli }: CommandInput): Promise<CommandOutput> {
  // A stream that never ends has no one JSON document to print (docs/cli/json.md, "Streaming commands").
  if (opts.follow === true && cli.json) {
    throw new UsageError('--follow cannot be combined with --json', {
      code: 'usage.json_unsupported',
      hint: `drop --follow for the log so far as one JSON document (banger vm logs ${args[0] ?? 'NAME'} --json), or drop --json to follow it as text`,
    });
  }
  const client = await cli.daemon();
  let path: string;
  try {
    const tail = Number(opts.tail);
    const res = await client.call('vm.logs', { name: args[0]!, ...(Number.isInteger(tail) && tail >= 0 ? { tailBytes: tail } : {}) });
    path = res.path;
    if (!opts.follow) return { data: res, human: res.text.replace(/\n$/, '') };
    process.stdout.write(res.text);
  } finally {
    client.close();
  }
  // Follow by reading the file the daemon named: the CLI runs as the same user, and polling a file
  // needs no daemon round trip per chunk.
  let offset = (await stat(path).catch(() => ({ size: 0 }))).size;
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
