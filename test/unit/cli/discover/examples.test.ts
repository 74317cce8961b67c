/**
 * Every command and group shows real examples in its --help: each one is
 * parsed against the command's actual arguments and options (the same walk
 * completion uses), so an example naming a removed flag fails here.
 */
import { describe, expect, it } from 'vitest';
import { GROUPS, PROGRAM_EXAMPLES } from '../../../../src/cli/commands/index.js';
import { commandTree, type TreeNode } from '../../../../src/cli/complete/tree.js';
import { walk } from '../../../../src/cli/complete/walk.js';
import { renderExamples, splitExample } from '../../../../src/cli/examples.js';
import { runCli } from '../../../../src/cli/index.js';

interface Node {
  path: string[];
  examples: readonly string[];
}

/** Every group, subgroup and command of the tree, with its path (the `system` subtree from its registered commands). */
async function allNodes(): Promise<Node[]> {
  const out: Node[] = [];
  const visit = async (n: TreeNode, path: string[]): Promise<void> => {
    out.push({ path, examples: n.examples });
    for (const k of (await n.children?.()) ?? []) if (k.name !== 'help') await visit(k, [...path, k.name]);
  };
  await visit(commandTree(GROUPS, PROGRAM_EXAMPLES), []);
  return out;
}

/** `sudo banger x y | z` → ['x', 'y']: the banger invocation's words (double quotes honoured). */
function bangerWords(example: string): string[] {
  const [line] = splitExample(example);
  const m = /(?:^|[\s(])banger\s(.*)$/.exec(line);
  if (!m?.[1]) throw new Error(`no banger invocation in ${JSON.stringify(example)}`);
  const cmd = m[1].split(/ (?:\||>|&&|;) |\)$/)[0]!;
  return [...cmd.matchAll(/"([^"]*)"|(\S+)/g)].map((w) => w[1] ?? w[2]!);
}

const SYSTEM = GROUPS.find((g) => g.name === 'system')!;

describe('examples in --help', () => {
  it('every group and command has examples, and at least one runs that very command', async () => {
    const missing: string[] = [];
    for (const n of await allNodes()) {
      // `system`'s subcommands are registered by their module; theirs are the group's examples that name them.
      const own = n.path[0] === 'system' && n.path.length === 2 ? (SYSTEM.examples ?? []).filter((e) => ` ${e} `.includes(` banger ${n.path.join(' ')} `)) : n.examples;
      const runsIt = own.some((e) => bangerWords(e).slice(0, n.path.length).join(' ') === n.path.join(' ') || (n.path.length > 0 && bangerWords(e)[0] === 'help'));
      if (own.length === 0 || !runsIt) missing.push(n.path.join(' ') || '(banger)');
    }
    expect(missing).toEqual([]);
  });

  it('every example parses: known words and options, required arguments and options given', async () => {
    const tree = commandTree(GROUPS);
    const bad: string[] = [];
    const all = [...PROGRAM_EXAMPLES, ...(await allNodes()).flatMap((n) => n.examples), ...(SYSTEM.examples ?? [])];
    for (const example of all) {
      const st = await walk(tree, bangerWords(example));
      const spec = st.spec;
      let problem = st.problem;
      if (!problem && st.pending) problem = `${st.pending.long ?? st.pending.short} needs a value`;
      if (!problem && spec) {
        const required = spec.args.filter((a) => a.required).length;
        if (st.positionals.length < required) problem = 'missing argument';
        const absent = spec.options.filter((o) => o.mandatory && !st.used.includes(o));
        if (absent.length > 0) problem = `missing ${absent.map((o) => o.long).join(', ')}`;
      }
      if (!problem && !spec && !st.help && st.node.children && st.node.defaultChild === undefined) problem = 'stops at a group';
      if (problem) bad.push(`${example}: ${problem}`);
    }
    expect(bad).toEqual([]);
  });

  it('renders under "Examples:" with comments in one column', () => {
    expect(renderExamples(['banger vm list', 'banger vm list --json  # for scripts', 'banger vm ls'])).toBe(
      '\nExamples:\n  banger vm list\n  banger vm list --json  # for scripts\n  banger vm ls',
    );
  });

  it.each([[['--help']], [['vm', '--help']], [['vm', 'snapshot', '--help']], [['vm', 'snapshot', 'list', '--help']], [['doctor', '--help']], [['system', 'install', '--help']], [['tui', '--help']]])(
    'banger %j shows its examples last',
    async (argv) => {
      let out = '';
      const code = await runCli(argv, { env: { HOME: '/nonexistent', XDG_RUNTIME_DIR: '/nonexistent/run' }, io: { stdout: (t) => void (out += t), stderr: () => undefined } });
      expect(code).toBe(0);
      expect(out).toMatch(/\nExamples:\n {2}(sudo )?banger .*\n$/s);
      expect(out.match(/Examples:/g)).toHaveLength(1);
    },
  );
});
