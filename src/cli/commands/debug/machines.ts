import type { Command } from 'commander';
import { UsageError } from '../../../errors/index.js';
import type { CommandInput, CommandOutput } from '../types.js';
import { graphToMermaid } from './mermaid.js';

export const describe = 'Print every state machine definition (mermaid or JSON)';

const FORMATS = ['mermaid', 'json'] as const;
type Format = (typeof FORMATS)[number];

export function options(cmd: Command): void {
  cmd.option('--format <format>', `output format: ${FORMATS.join(' or ')}`, 'mermaid');
}

export function parseFormat(value: unknown): Format {
  if (typeof value === 'string' && (FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`unknown format "${String(value)}"`, { code: 'debug.format', hint: `use --format ${FORMATS.join(' or --format ')}` });
}

/** Asks bangerd (debug.machines), so the CLI never loads XState or the machines. */
export async function run({ opts, cli }: CommandInput): Promise<CommandOutput> {
  const format = parseFormat(opts.format);
  const client = await cli.daemon();
  const graphs = await client.call('debug.machines', {}).finally(() => client.close());
  const human =
    format === 'json'
      ? JSON.stringify(graphs, null, 2)
      : graphs.map((g) => `%% machine: ${g.id}\n${graphToMermaid(g)}`).join('\n\n');
  return { data: graphs, human };
}
