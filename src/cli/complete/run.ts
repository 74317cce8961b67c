import type { CommandGroup } from '../commands/types.js';
import { completeWords, formatCompletion } from './candidates.js';
import { daemonNames } from './names.js';
import { commandTree } from './tree.js';

/**
 * `banger __complete WORD...`, what the shell scripts call on TAB: the
 * words after `banger` up to the cursor, the last one (maybe empty) being
 * completed. Always exits 0 and never writes to stderr: a failing TAB should
 * offer nothing, not print into the user's command line.
 */
export async function runComplete(words: readonly string[], opts: { groups: readonly CommandGroup[]; socketPath: string; write: (text: string) => void }): Promise<number> {
  const daemon = daemonNames(opts.socketPath);
  try {
    const result = await completeWords(commandTree(opts.groups), words.length === 0 ? [''] : words, daemon.names);
    opts.write(formatCompletion(result));
  } catch {
    opts.write(':none\n');
  } finally {
    daemon.close();
  }
  return 0;
}
