/** `banger help CMD...` is `banger CMD... --help`; `banger version` reports without starting bangerd. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLayout } from '../../../../src/host/layout.js';
import { GROUPS } from '../../../../src/cli/commands/index.js';
import { helpArgv } from '../../../../src/cli/commands/help/help-argv.js';
import { runCli } from '../../../../src/cli/index.js';
import { CLI_JSON_API_VERSION } from '../../../../src/cli/json-api.js';
import { packageVersion } from '../../../../src/wire/version.js';
import { jsonData } from '../../../helpers/cli-json.js';

async function run(argv: string[]) {
  const io = { out: '', err: '' };
  let started = false;
  const code = await runCli(argv, {
    // No daemon here: the socket path does not exist, and a command that tried to start one would flip `started`.
    env: { HOME: '/nonexistent', XDG_RUNTIME_DIR: '/nonexistent/run' },
    io: { stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) },
    daemon: () => {
      started = true;
      return Promise.reject(new Error('no daemon in this test'));
    },
  });
  return { code, ...io, started };
}

describe('banger help', () => {
  it.each([
    [['help', 'vm'], ['vm', '--help']],
    [['help', 'vm', 'snapshot', 'list'], ['vm', 'snapshot', 'list', '--help']],
    [['vm', 'help', 'list'], ['vm', 'list', '--help']],
    [['help'], ['--help']],
    [['help', 'system', 'install'], ['system', 'install', '--help']],
    [['help', 'vm', '--json'], ['vm', '--json', '--help']],
  ])('%j is %j', (argv, want) => {
    expect(helpArgv(argv, GROUPS)).toEqual(want);
  });

  it('leaves `help` alone where it is an argument (a VM named help)', () => {
    expect(helpArgv(['vm', 'ssh', 'help'], GROUPS)).toBeUndefined();
    expect(helpArgv(['vm', 'ssh', 'dev', '--', 'help'], GROUPS)).toBeUndefined();
  });

  it('prints the same as --help and exits 0', async () => {
    const viaHelp = await run(['help', 'vm', 'stop']);
    const viaFlag = await run(['vm', 'stop', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.out).toBe(viaFlag.out);
    expect(viaHelp.out).toContain('--force');
    expect(viaHelp.out).toContain('Examples:');
    const top = await run(['help']);
    expect(top).toMatchObject({ code: 0, out: (await run(['--help'])).out });
    expect((await run(['help', 'vm'])).code).toBe(0);
  });

  it('an unknown command is a usage error naming the help to read', async () => {
    expect(await run(['help', 'nosuch'])).toMatchObject({ code: 2, out: '', err: "banger: unknown command 'nosuch'\n  hint: see banger --help\n" });
    expect((await run(['help', 'vm', 'nosuch'])).err).toContain('see banger vm --help');
    const json = await run(['help', 'nosuch', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, error: { kind: 'usage' } });
  });
});

describe('banger version', () => {
  it('names every version and says when bangerd is not running, without starting it', async () => {
    const r = await run(['version']);
    expect(r.code).toBe(0);
    expect(r.started).toBe(false);
    expect(r.out).toContain(packageVersion());
    expect(r.out).toContain(CLI_JSON_API_VERSION);
    expect(r.out).toMatch(/^protocol: +1$/m);
    expect(r.out).toMatch(/^bangerd: +not running$/m);
    expect(r.out).toContain(process.versions.node);
  });

  it('a running bangerd of another version: its version, protocol and pid, and a note', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bg-version-'));
    const env = { HOME: root, XDG_RUNTIME_DIR: join(root, 'run'), XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'config') };
    const sock = resolveLayout(env).daemonSocket;
    mkdirSync(dirname(sock), { recursive: true });
    const methods: string[] = [];
    const server = createServer((s) => {
      s.on('data', (buf) => {
        for (const line of buf.toString().split('\n').filter(Boolean)) {
          const req = JSON.parse(line) as { id: number; method: string };
          methods.push(req.method);
          s.write(`${JSON.stringify({ jsonrpc: '2.0', id: req.id, result: { version: '9.9.9', protocol: '1', pid: 4242 } })}\n`);
        }
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      let out = '';
      const code = await runCli(['version'], { env, io: { stdout: (t) => void (out += t), stderr: () => undefined } });
      expect(code).toBe(0);
      expect(out).toMatch(/^bangerd: +9\.9\.9 \(protocol 1, pid 4242\)$/m);
      expect(out).toMatch(/^note: bangerd runs another version/m);
      // Only asked: no shutdown or restart of the daemon being reported on.
      expect(methods).toEqual(['daemon.hello']);
    } finally {
      server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('--json data, and -V still prints the bare version', async () => {
    const r = await run(['version', '--json']);
    expect(jsonData(r.out)).toMatchObject({ cli: packageVersion(), jsonApi: CLI_JSON_API_VERSION, protocol: '1', node: process.versions.node, daemon: { running: false } });
    expect(await run(['-V'])).toMatchObject({ code: 0, out: `${packageVersion()}\n` });
  });
});

describe('banger completion', () => {
  it.each(['bash', 'zsh', 'fish'])('%s prints a script that calls banger __complete', async (shell) => {
    const r = await run(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('banger __complete');
    expect(r.out).not.toContain('%{');
  });

  it('an unknown shell is a usage error; --help says how to install', async () => {
    expect((await run(['completion', 'tcsh'])).code).toBe(2);
    const help = await run(['completion', '--help']);
    expect(help.out).toContain('~/.local/share/bash-completion/completions/banger');
    expect(help.out).toContain('~/.config/fish/completions/banger.fish');
    expect(help.out).toContain('fpath');
  });
});
