/**
 * The candidate logic behind `banger __complete`: the real command tree
 * (modules loaded as a TAB reaches them) and a fake daemon name source.
 */
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GROUPS } from '../../../../src/cli/commands/index.js';
import { completeWords, formatCompletion, type NameSource } from '../../../../src/cli/complete/candidates.js';
import { choicesFromDescription } from '../../../../src/cli/complete/kinds.js';
import { daemonNames } from '../../../../src/cli/complete/names.js';
import { commandTree, type TreeNode } from '../../../../src/cli/complete/tree.js';
import { runCli } from '../../../../src/cli/index.js';

const NAMES: Record<string, string[]> = { vm: ['dev', 'db'], image: ['minimal', 'debian'], snapshot: ['before-upgrade'] };
const asked: string[] = [];
const names: NameSource = (kind) => {
  asked.push(kind);
  return Promise.resolve(NAMES[kind]!.map((value) => ({ value, description: kind })));
};
const root = commandTree(GROUPS);

async function values(line: string): Promise<{ values: string[]; files: boolean }> {
  // `banger vm ` → words ['vm', ''] : the last word is the one under the cursor.
  const words = line.split(' ').slice(1);
  const c = await completeWords(root, words, names);
  return { values: c.candidates.map((x) => x.value), files: c.files };
}

describe('completion candidates', () => {
  it('completes top-level words and subcommands, subgroups included', async () => {
    expect((await values('banger v')).values).toEqual(['vm', 'version']);
    expect((await values('banger vm sn')).values).toEqual(['snapshot']);
    expect((await values('banger vm forward ')).values).toEqual(expect.arrayContaining(['add', 'list', 'delete']));
    const top = (await values('banger ')).values;
    expect(top).toEqual(expect.arrayContaining(['vm', 'image', 'system', 'completion', 'version', 'help']));
    expect(top).not.toContain('__complete');
  });

  it('completes the words of a self-registering group (system)', async () => {
    expect((await values('banger system ')).values).toEqual(['install', 'status', 'restart', 'uninstall']);
    expect((await values('banger system install --ro')).values).toEqual(['--root']);
  });

  it('completes flags from the command module, global ones included', async () => {
    expect((await values('banger vm stop --f')).values).toEqual(['--force']);
    expect((await values('banger vm list --')).values).toEqual(['--json', '--debug', '--help']);
    expect((await values('banger vm exec dev -')).values).toEqual(expect.arrayContaining(['-e', '--env', '-i', '-t', '-T', '--workdir']));
    expect((await values('banger --')).values).toEqual(['--json', '--debug', '--help', '--version']);
  });

  it('completes VM names where the argument is a VM, for every one of several names', async () => {
    expect((await values('banger vm start ')).values).toEqual(['dev', 'db']);
    expect((await values('banger vm stop dev d')).values).toEqual(['dev', 'db']);
    expect((await values('banger vm delete --force d')).values).toEqual(['dev', 'db']);
    expect((await values('banger vm ssh ')).values).toEqual(['dev', 'db']);
    // One VM only: the second word of `vm show` is not a VM.
    expect((await values('banger vm show dev ')).values).toEqual([]);
  });

  it('image names under image, snapshots where a snapshot is wanted, both for fork', async () => {
    expect((await values('banger image show ')).values).toEqual(['minimal', 'debian']);
    expect((await values('banger vm create --image d')).values).toEqual(['debian']);
    expect((await values('banger vm restore dev --snapshot ')).values).toEqual(['before-upgrade']);
    expect((await values('banger vm snapshot delete ')).values).toEqual(['before-upgrade']);
    expect((await values('banger vm fork ')).values).toEqual(['dev', 'db', 'before-upgrade']);
    expect((await values('banger image import x.tar --kernel-from m')).values).toEqual(['minimal']);
  });

  it('a group with a default subcommand offers its subcommands and the default one’s first argument', async () => {
    expect((await values('banger vm snapshot ')).values).toEqual(['create', 'list', 'delete', 'dev', 'db']);
    expect((await values('banger vm snapshot dev --')).values).toContain('--name');
    expect((await values('banger vm forward d')).values).toEqual(['delete', 'dev', 'db']);
  });

  it('new names, free values and sizes complete to nothing, paths to files', async () => {
    asked.length = 0;
    expect(await values('banger vm create --name ')).toEqual({ values: [], files: false });
    expect(await values('banger vm snapshot create dev --name ')).toEqual({ values: [], files: false });
    expect(await values('banger vm set dev --memory ')).toEqual({ values: [], files: false });
    // A guest directory: host file names would mislead.
    expect(await values('banger vm exec dev -w ')).toEqual({ values: [], files: false });
    expect(asked).toEqual([]);
    expect(await values('banger image import ')).toEqual({ values: [], files: true });
    expect(await values('banger vm cp ./a ')).toEqual({ values: [], files: true });
    expect(await values('banger vm ssh dev -- ')).toEqual({ values: [], files: true });
  });

  it('option values listed in the description complete as choices', async () => {
    expect((await values('banger vm run --workspace-mode ')).values).toEqual(['shallow_overlay', 'full_copy', 'metadata_only']);
    expect((await values('banger image build --profile ')).values).toEqual(['minimal', 'debian', 'dev']);
    expect(choicesFromDescription('output format: mermaid or json')).toEqual([]);
    expect((await values('banger completion ')).values).toEqual(['bash', 'zsh', 'fish']);
  });

  it('help completes command words only', async () => {
    expect((await values('banger help vm sn')).values).toEqual(['snapshot']);
    expect((await values('banger help vm start ')).values).toEqual([]);
  });

  it('an unknown word or option offers nothing rather than guessing', async () => {
    expect((await values('banger nosuch ')).values).toEqual([]);
    expect((await values('banger vm start --bogus ')).values).toEqual([]);
  });

  it('the wire format: value<TAB>description lines, then a directive', () => {
    expect(formatCompletion({ candidates: [{ value: 'vm', description: 'Create,\n run' }, { value: 'x' }], files: false })).toBe('vm\tCreate, run\nx\n:none\n');
    expect(formatCompletion({ candidates: [], files: true })).toBe(':files\n');
  });

  it('banger __complete through runCli, without a daemon: words, then :none; never an error', async () => {
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) };
    const env = { HOME: '/nonexistent', XDG_RUNTIME_DIR: '/nonexistent/run' };
    expect(await runCli(['__complete', 'vm', 'sn'], { env, io })).toBe(0);
    expect(out).toMatch(/^snapshot\t.*\n:none\n$/);
    out = '';
    expect(await runCli(['__complete', 'vm', 'start', ''], { env, io })).toBe(0);
    expect(out).toBe(':none\n');
    expect(err).toBe('');
  });
});

describe('what each argument completes to', () => {
  /**
   * Derived from the modules' argument and option names (kinds.ts), shown
   * whole so a change is a visible diff: `command / arg:kind ... / --opt:kind ...`
   * (only options whose value completes to something).
   */
  it('every command, from the tree', async () => {
    const rows: string[] = [];
    const visit = async (n: TreeNode, path: string[]): Promise<void> => {
      if (n.spec) {
        const s = await n.spec();
        const args = s.args.map((a) => `${a.name}:${(a.choices.length > 0 ? a.choices : a.kinds).join('|')}`).join(' ');
        const opts = s.options
          .filter((o) => o.takesValue && (o.valueKinds[0] !== 'none' || o.choices.length > 0))
          .map((o) => `${o.long}:${(o.choices.length > 0 ? o.choices : o.valueKinds).join('|')}`)
          .join(' ');
        rows.push([path.join(' '), args, opts].filter(Boolean).join(' / '));
      }
      for (const k of (await n.children?.()) ?? []) if (k.name !== 'help') await visit(k, [...path, k.name]);
    };
    await visit(root, []);
    expect(rows).toEqual([
      'vm run / repo:file command:none / --image:image --workspace-mode:shallow_overlay|full_copy|metadata_only',
      'vm create / --image:image',
      'vm list',
      'vm show / name:vm',
      'vm ssh / name:vm command:none',
      'vm exec / name:vm command:none',
      'vm cp / src:file dst:file',
      'vm start / names:vm',
      'vm stop / names:vm',
      'vm restart / names:vm',
      'vm pause / names:vm',
      'vm resume / names:vm',
      'vm snapshot create / name:vm',
      'vm snapshot list / name:vm',
      'vm snapshot delete / snapshot:snapshot',
      'vm restore / name:vm / --snapshot:snapshot',
      'vm fork / source:vm|snapshot',
      'vm delete / names:vm',
      'vm set / name:vm',
      'vm ports / name:vm',
      'vm forward add / name:vm spec:none',
      'vm forward list / name:vm',
      'vm forward delete / name:vm host-port:none',
      'vm stats / name:vm',
      'vm logs / name:vm',
      'image list',
      'image show / name:image',
      'image build / --profile:minimal|debian|dev',
      'image import / source:file / --format:auto|oci|docker|tar --kernel-from:image',
      'image pull / reference:none / --kernel-from:image',
      'image delete / name:image',
      'image warm / name:image',
      'tui open',
      'ui',
      'debug machines',
      'debug viz',
      'daemon start',
      'daemon stop',
      'daemon status',
      'system install / --helper-socket:file',
      'system status',
      'system restart',
      'system uninstall',
      'doctor',
      'ssh-config',
      'ssh-proxy / host:none port:none',
      'completion / shell:bash|zsh|fish',
      'version',
    ]);
  });
});

describe('daemon names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bg-complete-'));
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no daemon: nothing, at once', async () => {
    const t0 = Date.now();
    const d = daemonNames(join(dir, 'none.sock'));
    expect(await d.names('vm')).toEqual([]);
    d.close();
    expect(Date.now() - t0).toBeLessThan(200);
  });

  it('a daemon that accepts but never answers: nothing, within the budget', async () => {
    const sock = join(dir, 'mute.sock');
    const server = createServer(() => undefined);
    servers.push(server);
    await new Promise<void>((r) => server.listen(sock, r));
    const t0 = Date.now();
    const d = daemonNames(sock, 300);
    expect(await d.names('vm')).toEqual([]);
    expect(await d.names('snapshot')).toEqual([]);
    d.close();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(600);
  });

  it('a daemon that answers: its VM names with their state', async () => {
    const sock = join(dir, 'fake.sock');
    const server = createServer((s) => {
      s.on('data', (buf) => {
        for (const line of buf.toString().split('\n').filter(Boolean)) {
          const req = JSON.parse(line) as { id: number; method: string };
          s.write(`${JSON.stringify({ jsonrpc: '2.0', id: req.id, result: [{ name: 'dev', state: 'running' }] })}\n`);
        }
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(sock, r));
    const d = daemonNames(sock);
    expect(await d.names('vm')).toEqual([{ value: 'dev', description: 'VM, running' }]);
    d.close();
  });
});
