import { GROUP_OPTIONS, ROOT_OPTIONS, type LeafSpec, type OptionSpec, type TreeNode } from './tree.js';

/** Where a command line stands after its words: the node reached, its leaf spec, positionals given, an option awaiting its value. */
export interface WalkState {
  node: TreeNode;
  /** Command words consumed (`['vm', 'snapshot', 'create']`), a default child included. */
  path: string[];
  spec?: LeafSpec;
  positionals: string[];
  /** Options given, by the flag as written. */
  used: OptionSpec[];
  /** The option whose value the next word is. */
  pending?: OptionSpec;
  /** After `--`: the rest are arguments, never options. */
  dashdash: boolean;
  /** Under `banger help`: only command words follow. */
  help: boolean;
  /** Why the words do not form a valid command line (unknown word or option, too many arguments). */
  problem?: string;
}

/**
 * Follows `words` (after `banger`) through the tree the way commander
 * parses them: options anywhere, `--opt value` and `--opt=value`, bundled
 * short flags (`-it`), a group's default child taking an unknown word as its
 * first argument. Loads only the modules on the path.
 */
export async function walk(root: TreeNode, words: readonly string[]): Promise<WalkState> {
  const st: WalkState = { node: root, path: [], positionals: [], used: [], dashdash: false, help: false };
  for (const w of words) {
    if (st.problem) break;
    if (st.pending) {
      delete st.pending;
    } else if (st.dashdash) {
      st.positionals.push(w);
    } else if (w === '--') {
      st.dashdash = true;
    } else if (w.startsWith('-') && w.length > 1) {
      readOption(st, w, optionsAt(st));
    } else {
      await readPositional(st, w);
    }
  }
  return st;
}

/** The options valid at the node reached. */
export function optionsAt(st: WalkState): readonly OptionSpec[] {
  if (st.spec) return st.spec.options;
  return st.path.length === 0 ? ROOT_OPTIONS : GROUP_OPTIONS;
}

function readOption(st: WalkState, w: string, options: readonly OptionSpec[]): void {
  const eq = w.indexOf('=');
  const flag = eq === -1 ? w : w.slice(0, eq);
  const o = options.find((x) => x.long === flag || x.short === flag);
  if (o) {
    st.used.push(o);
    if (o.takesValue && eq === -1) st.pending = o;
    return;
  }
  // Bundled short flags (`-it`): each letter a known short one; a value-taking one ends the bundle.
  if (/^-[A-Za-z]{2,}$/.test(w)) {
    for (let i = 1; i < w.length; i++) {
      const s = options.find((x) => x.short === `-${w[i]}`);
      if (!s) break;
      st.used.push(s);
      if (s.takesValue) {
        if (i === w.length - 1) st.pending = s;
        return;
      }
      if (i === w.length - 1) return;
    }
  }
  st.problem = `unknown option ${flag}`;
}

async function readPositional(st: WalkState, w: string): Promise<void> {
  const { node } = st;
  if (node.children) {
    const kids = await node.children();
    const exact = kids.find((k) => k.name === w);
    if (exact) return enter(st, exact, exact.name === 'help' && st.path.length === 0);
    const def = node.defaultChild === undefined ? undefined : kids.find((k) => k.name === node.defaultChild);
    if (!def || st.help) {
      st.problem = `unknown command ${[...st.path, w].join(' ')}`;
      return;
    }
    await enter(st, def, false);
    return readPositional(st, w);
  }
  const args = st.spec?.args ?? [];
  const last = args.at(-1);
  if (st.help || (st.positionals.length >= args.length && !last?.variadic)) {
    st.problem = `too many arguments for ${st.path.join(' ')}`;
    return;
  }
  st.positionals.push(w);
}

async function enter(st: WalkState, next: TreeNode, isHelp: boolean): Promise<void> {
  st.node = next;
  if (isHelp) {
    st.help = true;
    return;
  }
  st.path.push(next.name);
  if (next.spec) st.spec = await next.spec();
}

/** The argument the next positional fills (the last one again when it is variadic). */
export function nextArg(st: WalkState): LeafSpec['args'][number] | undefined {
  const args = st.spec?.args ?? [];
  const i = st.positionals.length;
  if (i < args.length) return args[i];
  const last = args.at(-1);
  return last?.variadic ? last : undefined;
}
