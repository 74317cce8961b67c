/**
 * Where a key sits in a TOML text, and the excerpt that shows it. smol-toml
 * gives positions for syntax errors only, so validation errors (which name a
 * key path such as `vm_defaults.memory` or `file_sync[1].mode`) find their
 * line by reading table headers and `key =` lines. Best effort: a key inside
 * an inline table or a multi-line value is placed at the nearest enclosing
 * key or header that could be found.
 */

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

type PathPart = PropertyKey;

/** `a."b.c".d` → ['a', 'b.c', 'd']. */
function splitDotted(text: string): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) parts.push(m[1] ?? m[2] ?? m[3] ?? '');
  return parts;
}

function isPrefix(candidate: readonly PathPart[], path: readonly PathPart[]): boolean {
  return candidate.length <= path.length && candidate.every((p, i) => p === path[i]);
}

/**
 * The position of the key at `path`, or of the longest part of it that is written in the file;
 * undefined when none of it is. `point: 'value'` (the default) gives the value's first character
 * of a `key = value` line, which is what a bad value's caret points at; 'key' the key's own (an unknown key).
 */
export function locateKey(text: string, path: readonly PathPart[], point: 'key' | 'value' = 'value'): Position | undefined {
  const lines = text.split(/\r?\n/);
  const arrayCounts = new Map<string, number>();
  let table: PathPart[] = [];
  let best: { score: number; pos: Position } | undefined;
  const offer = (full: PathPart[], pos: Position) => {
    if (isPrefix(full, path) && (!best || full.length > best.score)) best = { score: full.length, pos };
  };
  let inMultiline: string | undefined;
  lines.forEach((line, i) => {
    if (inMultiline) {
      if (line.includes(inMultiline)) inMultiline = undefined;
      return;
    }
    const header = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      const keys = splitDotted(header[2]!);
      if (header[1] === '[[') {
        const id = keys.join('\u0000');
        const n = (arrayCounts.get(id) ?? -1) + 1;
        arrayCounts.set(id, n);
        table = [...keys, n];
      } else table = keys;
      offer(table, { line: i + 1, column: line.indexOf('[') + 1 });
      return;
    }
    const kv = /^(\s*)((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=\s*/.exec(line);
    if (!kv) return;
    const full = [...table, ...splitDotted(kv[2]!)];
    const valueCol = kv[0].length + 1;
    offer(full, { line: i + 1, column: point === 'value' ? valueCol : kv[1]!.length + 1 });
    const rest = line.slice(kv[0].length);
    const open = /^("""|''')/.exec(rest);
    if (open && !rest.slice(3).includes(open[1]!)) inMultiline = open[1];
  });
  return best?.pos;
}

/**
 * The line at `pos` with its number and a caret under the column:
 *
 *     3 | memory = "lots"
 *       |          ^
 */
export function codeFrame(text: string, pos: Position): string {
  const line = text.split(/\r?\n/)[pos.line - 1] ?? '';
  const num = String(pos.line);
  // Tabs keep their width in the caret line, so the caret lands under the character.
  const pad = line.slice(0, Math.max(0, pos.column - 1)).replace(/[^\t]/g, ' ');
  return `${num} | ${line}\n${' '.repeat(num.length)} | ${pad}^`;
}
