import type { Command } from 'commander';

/**
 * Adds an "Examples:" block at the end of `cmd`'s help. Comments (`  # why`) line up
 * in one column so the command lines read as a list.
 */
export function addExamples(cmd: Command, examples: readonly string[] | undefined): void {
  if (!examples || examples.length === 0) return;
  // Registered when help is about to print, so the block comes after any text the command's module adds itself
  // (modules load after the tree is declared, and 'after' texts print in the order they were added).
  let added = false;
  cmd.on('beforeHelp', () => {
    if (added) return;
    added = true;
    cmd.addHelpText('after', renderExamples(examples));
  });
}

export function renderExamples(examples: readonly string[]): string {
  const split = examples.map(splitExample);
  const width = Math.max(...split.map(([c]) => c.length));
  const lines = split.map(([c, comment]) => (comment ? `  ${c.padEnd(width)}  # ${comment}` : `  ${c}`).trimEnd());
  // No final newline: commander adds one after each help text.
  return `\nExamples:\n${lines.join('\n')}`;
}

/** `banger vm list --json  # comment` → the command line and the comment (without `#`). */
export function splitExample(example: string): [command: string, comment: string | undefined] {
  const at = example.indexOf(' # ');
  return at === -1 ? [example.trim(), undefined] : [example.slice(0, at).trim(), example.slice(at + 3).trim()];
}
