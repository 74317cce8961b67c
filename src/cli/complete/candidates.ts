import type { ArgKind } from '../commands/types.js';
import type { ArgSpec, TreeNode } from './tree.js';
import { nextArg, optionsAt, walk, type WalkState } from './walk.js';

export interface Candidate {
  value: string;
  /** Shown by zsh and fish next to the value. */
  description?: string;
}

/** The kinds a running daemon can list. */
export type NamedKind = Extract<ArgKind, 'vm' | 'image' | 'snapshot'>;

/** Names of VMs, images or snapshots; empty when the daemon is not running or too slow. */
export type NameSource = (kind: NamedKind) => Promise<readonly Candidate[]>;

export interface Completion {
  candidates: Candidate[];
  /** Let the shell complete file names (a path argument, or words after `--`). */
  files: boolean;
}

const NOTHING: Completion = { candidates: [], files: false };

/**
 * Candidates for the last of `words` (the word under the cursor, maybe
 * empty), given the ones before it. Prefix-filtered here so every shell
 * script stays a thin loop.
 */
export async function completeWords(root: TreeNode, words: readonly string[], names: NameSource): Promise<Completion> {
  const cur = words.at(-1) ?? '';
  const st = await walk(root, words.slice(0, -1));
  if (st.problem) return NOTHING;
  const out = await candidatesAt(st, cur, names);
  return { candidates: out.candidates.filter((c) => c.value.startsWith(cur)), files: out.files };
}

async function candidatesAt(st: WalkState, cur: string, names: NameSource): Promise<Completion> {
  if (st.pending) {
    if (st.pending.choices.length > 0) return { candidates: st.pending.choices.map((value) => ({ value })), files: false };
    return fromKinds(st.pending.valueKinds, names);
  }
  // After `--` come the guest command's own words: whatever the shell would do for them.
  if (st.dashdash) return { candidates: [], files: true };
  if (cur.startsWith('-')) return { candidates: optionCandidates(st, cur), files: false };
  if (st.node.children) {
    const kids = await st.node.children();
    const words: Candidate[] = kids.map((k) => ({ value: k.name, description: k.describe }));
    const def = kids.find((k) => k.name === st.node.defaultChild);
    // `vm snapshot <TAB>` is also `vm snapshot create <TAB>`: offer the default child's first argument too.
    if (def?.spec && !st.help) {
      const spec = await def.spec();
      const first = spec.args[0];
      if (first) {
        const more = await argCandidates(first, names);
        return { candidates: [...words, ...more.candidates], files: more.files };
      }
    }
    return { candidates: words, files: false };
  }
  if (st.help) return NOTHING;
  const arg = nextArg(st);
  return arg ? argCandidates(arg, names) : NOTHING;
}

function argCandidates(arg: ArgSpec, names: NameSource): Promise<Completion> {
  if (arg.choices.length > 0) return Promise.resolve({ candidates: arg.choices.map((value) => ({ value })), files: false });
  return fromKinds(arg.kinds, names);
}

/** Long flags, and short ones only for a word that is just `-` (so `--<TAB>` lists each flag once). */
function optionCandidates(st: WalkState, cur: string): Candidate[] {
  const out: Candidate[] = [];
  for (const o of optionsAt(st)) {
    if (o.long) out.push({ value: o.long, description: o.description });
    if (o.short && cur === '-') out.push({ value: o.short, description: o.description });
  }
  return out;
}

async function fromKinds(kinds: readonly ArgKind[], names: NameSource): Promise<Completion> {
  const candidates: Candidate[] = [];
  let files = false;
  for (const k of kinds) {
    if (k === 'file') files = true;
    else if (k !== 'none') candidates.push(...(await names(k)));
  }
  return { candidates, files };
}

/**
 * The wire format the shell scripts read: one candidate a line,
 * `value<TAB>description`, then a directive line, `:files` (fall back to the
 * shell's file completion) or `:none`.
 */
export function formatCompletion(c: Completion): string {
  const lines = c.candidates.map((x) => (x.description ? `${x.value}\t${oneLine(x.description)}` : x.value));
  lines.push(c.files ? ':files' : ':none');
  return `${lines.join('\n')}\n`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
