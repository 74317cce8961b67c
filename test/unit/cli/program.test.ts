import { describe, expect, it } from 'vitest';
import { runCli, type CommandGroup } from '../../../src/cli/index.js';
import { ConflictError, NotFoundError } from '../../../src/errors/index.js';
import { okEnvelope } from '../../helpers/cli-json.js';

/** Fake groups: runCli loads only the invoked module, so nothing here touches a daemon. */
function groups(loaded: string[]): CommandGroup[] {
  return [
    {
      name: 'thing',
      describe: 'Things',
      commands: [
        {
          name: 'echo',
          describe: 'Echo the argument',
          load: async () => {
            loaded.push('echo');
            return {
              describe: 'Echo the argument',
              options: (c) => void c.argument('<word>').option('--loud'),
              run: async ({ args, opts }) => ({ data: { word: args[0], loud: opts.loud === true }, human: `said ${args[0]}` }),
            };
          },
        },
        {
          name: 'many',
          describe: 'One outcome per name (like vm stop a b)',
          load: async () => {
            loaded.push('many');
            return {
              describe: 'x',
              options: (c) => void c.argument('<names...>'),
              run: async ({ args }) => ({
                data: null,
                human: args.filter((a) => a !== 'nope').map((a) => `${a} done`).join('\n'),
                results: args.map((a) =>
                  a === 'nope' ? { target: a, ok: false as const, error: new NotFoundError(`no VM named "${a}"`, { code: 'vm.not_found', hint: 'see: banger vm list' }) } : { target: a, ok: true as const, data: { name: a } },
                ),
              }),
            };
          },
        },
        {
          name: 'serve',
          describe: 'Announces itself, then keeps running',
          load: async () => {
            loaded.push('serve');
            return {
              describe: 'x',
              run: async ({ cli }) => {
                cli.announce({ data: { url: 'http://127.0.0.1:1/' }, human: 'serving http://127.0.0.1:1/' });
                return { data: { url: 'http://127.0.0.1:1/' }, human: 'stopped' };
              },
            };
          },
        },
        {
          name: 'fail',
          describe: 'Always fails',
          load: async () => {
            loaded.push('fail');
            return { describe: 'x', run: () => Promise.reject(new ConflictError('busy thing', { hint: 'wait' })) };
          },
        },
      ],
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

describe('runCli', () => {
  it('runs a command and loads only its module', async () => {
    const r = await run(['thing', 'echo', 'hi', '--loud']);
    expect(r).toMatchObject({ code: 0, out: 'said hi\n', loaded: ['echo'] });
  });

  it('--json prints the data in the versioned envelope, with the command path', async () => {
    const r = await run(['thing', 'echo', 'hi', '--json']);
    expect(JSON.parse(r.out)).toEqual(okEnvelope('thing echo', { word: 'hi', loud: false }));
  });

  it('a NAME... command keeps every success when one name fails (issue 18)', async () => {
    const json = await run(['thing', 'many', 'a', 'nope', 'b', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({
      apiVersion: 'banger.cli/v1',
      command: 'thing many',
      ok: false,
      results: [
        { target: 'a', ok: true, data: { name: 'a' } },
        { target: 'nope', ok: false, error: { kind: 'not_found', code: 'vm.not_found', message: 'no VM named "nope"', hint: 'see: banger vm list' } },
        { target: 'b', ok: true, data: { name: 'b' } },
      ],
    });
    const human = await run(['thing', 'many', 'a', 'nope', 'b']);
    expect(human).toMatchObject({ code: 1, out: 'a done\nb done\n', err: 'banger: nope: no VM named "nope"\n  hint: see: banger vm list\n' });
    // One name is still a list of results.
    expect(JSON.parse((await run(['thing', 'many', 'a', '--json'])).out)).toMatchObject({ ok: true, results: [{ target: 'a', ok: true }] });
  });

  it('a command that announces itself prints one document, not a second at exit', async () => {
    const r = await run(['thing', 'serve', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(okEnvelope('thing serve', { url: 'http://127.0.0.1:1/' }));
    expect((await run(['thing', 'serve'])).out).toBe('serving http://127.0.0.1:1/\n');
  });

  it('usage errors exit 2 with a one-line message and a hint', async () => {
    const missing = await run(['thing', 'echo']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe("banger: missing required argument 'word'\n  hint: see banger thing echo --help\n");
    expect((await run(['thing', 'nope'])).code).toBe(2);
    expect((await run(['thing', 'echo', 'a', '--bogus'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });

  it.each([
    [['thing', 'echo'], 'thing echo', 'usage.missing_argument'],
    [['thing', 'nope'], 'thing', 'usage.unknown_command'],
    [['nope'], '', 'usage.unknown_command'],
    [['thing', 'echo', 'a', '--bogus'], 'thing echo', 'usage.unknown_option'],
    [['thing', 'echo', 'a', 'b'], 'thing echo', 'usage.too_many_arguments'],
    [['thing'], 'thing', 'usage.missing_command'],
  ])('usage error %j: exit 2 in both modes; under --json command %j and code %s', async (argv, command, code) => {
    const human = await run(argv);
    expect(human.code).toBe(2);
    expect(human.out).toBe('');
    const r = await run([...argv, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ apiVersion: 'banger.cli/v1', command, ok: false, error: { kind: 'usage', code } });
  });

  it('command errors under --json: the error envelope with the command path', async () => {
    const r = await run(['thing', 'fail', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ apiVersion: 'banger.cli/v1', command: 'thing fail', ok: false, error: { kind: 'conflict', code: 'error', message: 'busy thing', hint: 'wait' } });
  });

  it('command errors exit 1 with message and hint', async () => {
    const r = await run(['thing', 'fail']);
    expect(r).toMatchObject({ code: 1, err: 'banger: busy thing\n  hint: wait\n' });
  });

  it('--help and --version exit 0', async () => {
    const help = await run(['thing', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('echo');
    expect(help.loaded).toEqual([]);
    expect((await run(['--version'])).code).toBe(0);
  });
});
