import { HostError } from '../../errors/index.js';

/**
 * Pure editing of one bangerd's managed block in a hosts file:
 *
 *   # >>> banger INSTANCE >>>
 *   172.16.0.2 dev.vm
 *   # <<< banger INSTANCE <<<
 *
 * Only the block of the given instance is touched; everything else (other
 * instances' blocks included) stays byte for byte. Removing a block restores
 * the file exactly as it was before the block was added: the block is
 * appended at the end, and when the file did not end in a line break the
 * block brings the one it needs *before* itself (and has none after), so
 * taking it out takes that line break with it.
 */

export interface HostsEntry {
  /** Full name, e.g. dev.vm. */
  name: string;
  ip: string;
}

/** 12 lowercase hex digits (an instance id, src/host/network/instance.ts). */
export const HOSTS_INSTANCE_RE = /^[0-9a-f]{12}$/;

export function hostsBlockMarkers(instance: string): { begin: string; end: string } {
  return { begin: `# >>> banger ${instance} >>>`, end: `# <<< banger ${instance} <<<` };
}

/** Where one instance's block sits in the text (character offsets). */
interface BlockSpan {
  /** Start of the BEGIN line. */
  start: number;
  /** Just after the END marker text (before its line break, if any). */
  endMarkerEnd: number;
  /** Just after END's line break, or endMarkerEnd at end of file. */
  after: number;
}

function findBlocks(text: string, instance: string): BlockSpan[] {
  const { begin, end } = hostsBlockMarkers(instance);
  const spans: BlockSpan[] = [];
  let pos = 0;
  let open: number | null = null;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl < 0 ? text.length : nl;
    const line = text.slice(pos, lineEnd).replace(/\r$/, '');
    const next = nl < 0 ? text.length : nl + 1;
    if (line === begin) {
      if (open !== null) throw unterminated(instance);
      open = pos;
    } else if (line === end) {
      if (open === null) throw new HostError(`the hosts file has an end marker for banger instance ${instance} without a start`, { code: 'hosts.corrupt', hint: `remove the line "${end}" from the hosts file by hand` });
      const markerEnd = pos + end.length;
      spans.push({ start: open, endMarkerEnd: markerEnd, after: next });
      open = null;
    }
    pos = next;
  }
  if (open !== null) throw unterminated(instance);
  return spans;
}

function unterminated(instance: string): HostError {
  const { begin, end } = hostsBlockMarkers(instance);
  return new HostError(`the hosts file has an unterminated block for banger instance ${instance}`, {
    code: 'hosts.corrupt',
    hint: `remove the lines from "${begin}" to "${end}" from the hosts file by hand; banger rewrites its block at the next change`,
  });
}

/** The line break the file already uses (CRLF when its first line break is one). */
function lineBreak(text: string): string {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

function renderBlock(instance: string, entries: readonly HostsEntry[], eol: string): string {
  const { begin, end } = hostsBlockMarkers(instance);
  return [begin, ...entries.map((e) => `${e.ip} ${e.name}`), end].join(eol);
}

/**
 * Returns the file text with this instance's block holding exactly `entries`
 * (in the given order), or without the block when `entries` is empty. A file
 * with no block and no entries comes back unchanged (same string).
 */
export function applyHostsBlock(text: string, instance: string, entries: readonly HostsEntry[]): string {
  const spans = findBlocks(text, instance);
  const eol = lineBreak(text);
  if (entries.length === 0) {
    let out = text;
    for (const s of [...spans].reverse()) out = removeSpan(out, s);
    return out;
  }
  const block = renderBlock(instance, entries, eol);
  if (spans.length === 0) {
    if (text.length === 0) return block + eol;
    // No line break at the end: the block brings one before itself and none after (see above).
    return text.endsWith('\n') ? text + block + eol : text + eol + block;
  }
  // Replace the first block in place (its surrounding line breaks stay as they are); drop duplicates.
  let out = text;
  for (const s of spans.slice(1).reverse()) out = removeSpan(out, s);
  const first = spans[0]!;
  return out.slice(0, first.start) + block + out.slice(first.endMarkerEnd);
}

function removeSpan(text: string, s: BlockSpan): string {
  if (s.after > s.endMarkerEnd) return text.slice(0, s.start) + text.slice(s.after);
  // The block ends the file without a line break: it brought the one before it.
  const before = text.slice(0, s.start);
  const trimmed = before.endsWith('\r\n') ? before.slice(0, -2) : before.endsWith('\n') ? before.slice(0, -1) : before;
  return trimmed + text.slice(s.endMarkerEnd);
}

/** The entries of this instance's block, or null when the file has none (tests, doctor). */
export function readHostsBlock(text: string, instance: string): HostsEntry[] | null {
  const [s] = findBlocks(text, instance);
  if (!s) return null;
  const lines = text.slice(s.start, s.endMarkerEnd).split(/\r?\n/).slice(1, -1);
  return lines.map((l) => {
    const [ip = '', name = ''] = l.trim().split(/\s+/);
    return { ip, name };
  });
}

/** Instance ids of every banger block in the text (leak checks). */
export function listHostsBlocks(text: string): string[] {
  return [...text.matchAll(/^# >>> banger ([0-9a-f]{12}) >>>\r?$/gm)].map((m) => m[1]!);
}
