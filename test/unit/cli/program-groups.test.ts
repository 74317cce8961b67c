import { describe, expect, it } from 'vitest';
import { runCli, type CommandGroup } from '../../../src/cli/index.js';
import { okEnvelope } from '../../helpers/cli-json.js';

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
      name: 'box',
      describe: 'A group with a command that has subcommands',
      commands: [
        {
          name: 'snap',
          describe: 'Snapshot things',
          commands: (['take', 'list'] as const).map((name) => ({
            name,
            describe: `${name} snapshots`,
            ...(name === 'take' ? { isDefault: true } : {}),
            load: async () => {
              loaded.push(name);
              return {
                describe: name,
                options: (c) => void (name === 'take' ? c.argument('<thing>').option('--name <n>') : c.argument('[thing]')),
                run: async ({ args, opts }) => ({ data: { name, args, opts: { name: opts.name } }, human: `${name} ${args.join(' ')}${typeof opts.name === 'string' ? ` as ${opts.name}` : ''}` }),
              };
            },
          })),
        },
      ],
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
    expect(JSON.parse((await run(['check', 'disk', '--json'])).out)).toEqual(okEnvelope('check', { what: 'disk', deep: false }));
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

  it('a nested command dispatches to a named subcommand, else to its default one, loading only that one', async () => {
    expect(await run(['box', 'snap', 'list', 'dev'])).toMatchObject({ code: 0, out: 'list dev\n', loaded: ['list'] });
    expect(await run(['box', 'snap', 'list'])).toMatchObject({ code: 0, out: 'list \n', loaded: ['list'] });
    expect(await run(['box', 'snap', 'dev'])).toMatchObject({ code: 0, out: 'take dev\n', loaded: ['take'] });
    expect(await run(['box', 'snap', '--name', 'list', 'dev'])).toMatchObject({ code: 0, out: 'take dev as list\n', loaded: ['take'] });
    expect(await run(['box', 'snap', 'take', 'list'])).toMatchObject({ code: 0, out: 'take list\n', loaded: ['take'] });
    // A default subcommand is named in full: `command` is the command that ran.
    expect(JSON.parse((await run(['box', 'snap', 'dev', '--json'])).out)).toEqual(okEnvelope('box snap take', { name: 'take', args: ['dev'], opts: {} }));
  });

  it('a nested command lists its subcommands in --help and names the subcommand in usage hints', async () => {
    const help = await run(['box', 'snap', '--help']);
    expect(help).toMatchObject({ code: 0, loaded: [] });
    expect(help.out).toMatch(/take +take snapshots/);
    expect(help.out).toMatch(/list +list snapshots/);
    expect((await run(['box', 'snap'])).err).toBe("banger: missing required argument 'thing'\n  hint: see banger box snap take --help\n");
    expect((await run(['box', 'snap', 'take'])).err).toBe("banger: missing required argument 'thing'\n  hint: see banger box snap take --help\n");
  });

  it('a missing argument of a top-level command is a usage error with its help path', async () => {
    const r = await run(['check']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("missing required argument 'what'");
    expect(r.err).toContain('see banger check --help');
  });
});
