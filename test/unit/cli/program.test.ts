import { describe, expect, it } from 'vitest';
import { runCli, type CommandGroup } from '../../../src/cli/index.js';
import { ConflictError } from '../../../src/errors/index.js';

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

  it('--json prints the data', async () => {
    const r = await run(['thing', 'echo', 'hi', '--json']);
    expect(JSON.parse(r.out)).toEqual({ word: 'hi', loud: false });
  });

  it('usage errors exit 2 with a one-line message and a hint', async () => {
    const missing = await run(['thing', 'echo']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe("banger: missing required argument 'word'\n  hint: see banger thing echo --help\n");
    expect((await run(['thing', 'nope'])).code).toBe(2);
    expect((await run(['thing', 'echo', 'a', '--bogus'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });

  it('usage errors under --json print {ok:false} with kind usage', async () => {
    const r = await run(['thing', 'echo', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { kind: 'usage' } });
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
