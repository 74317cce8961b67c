import { describe, expect, it } from 'vitest';
import { runCli, type CommandGroup } from '../../../src/cli/index.js';

/** The two registry shapes besides subcommand groups: a word that is one command, and a self-registering subtree. */
function groups(loaded: string[]): CommandGroup[] {
  return [
    {
      name: 'check',
      describe: 'A top-level command',
      commands: [],
      load: async () => {
        loaded.push('check');
        return {
          describe: 'A top-level command',
          options: (c) => void c.argument('<what>').option('--deep'),
          run: async ({ args, opts }) => ({ data: { what: args[0], deep: opts.deep === true }, human: `checked ${args[0]}`, exitCode: args[0] === 'bad' ? 1 : 0 }),
        };
      },
    },
    {
      name: 'sys',
      describe: 'A self-registering group',
      commands: [],
      register: async () => {
        loaded.push('sys');
        return (program, io) => {
          program
            .command('sys')
            .command('ping')
            .option('--json')
            .action((o: { json?: boolean }) => io.write(o.json || io.json ? `{"pong":true,"home":"${io.env.HOME}"}\n` : 'pong\n'));
        };
      },
    },
  ];
}

async function run(argv: string[]) {
  const loaded: string[] = [];
  const io = { out: '', err: '' };
  const code = await runCli(argv, {
    env: { HOME: '/nonexistent', XDG_RUNTIME_DIR: '/nonexistent/run' },
    groups: groups(loaded),
    io: { stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) },
  });
  return { code, ...io, loaded };
}

describe('runCli registry shapes', () => {
  it('a top-level command runs with its arguments, options and exit code, loading only itself', async () => {
    expect(await run(['check', 'disk', '--deep'])).toMatchObject({ code: 0, out: 'checked disk\n', loaded: ['check'] });
    expect(JSON.parse((await run(['check', 'disk', '--json'])).out)).toEqual({ what: 'disk', deep: false });
    expect((await run(['check', 'bad'])).code).toBe(1);
  });

  it('a self-registering group is built only when invoked and sees the env, stdout and global --json', async () => {
    expect(await run(['sys', 'ping'])).toMatchObject({ code: 0, out: 'pong\n', loaded: ['sys'] });
    expect(JSON.parse((await run(['--json', 'sys', 'ping'])).out)).toEqual({ pong: true, home: '/nonexistent' });
    expect(JSON.parse((await run(['sys', 'ping', '--json'])).out)).toEqual({ pong: true, home: '/nonexistent' });
  });

  it('--help lists both without loading either', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/check +A top-level command/);
    expect(r.out).toMatch(/sys +A self-registering group/);
    expect(r.loaded).toEqual([]);
  });

  it('a missing argument of a top-level command is a usage error with its help path', async () => {
    const r = await run(['check']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("missing required argument 'what'");
    expect(r.err).toContain('see banger check --help');
  });
});
