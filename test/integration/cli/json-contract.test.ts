/**
 * The --json contract (issue 18): every command of the CLI tree, run through
 * the built CLI against a real bangerd (stand-in VMM, in a throwaway netns),
 * once succeeding and once failing, prints exactly one document on stdout
 * that validates against docs/cli/banger-cli.schema.json.
 *
 * The command list comes from the registry (GROUPS plus the self-registering
 * `system` subtree): a command added without a case here fails the coverage test.
 *
 * Stand-in VMs have no guest, so a few successes cannot happen here; for those
 * the success shape is checked on a documented sample (SAMPLES, each saying
 * why), and their failure case still runs for real:
 * - vm ssh / vm exec / vm run / vm cp / vm ports need SSH or the guest agent
 *   (the smoke tier runs them against real VMs);
 * - image build downloads a kernel and packages; system restart needs systemd;
 * - tui and ssh-proxy have no JSON success at all: they refuse --json by design
 *   (an interactive screen, and a stdout that is the SSH stream), so only their
 *   refusal is a case.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS } from '../../../src/cli/commands/index.js';
import { registerSystemCommands } from '../../../src/cli/commands/system/index.js';
import { CLI_JSON_API_VERSION } from '../../../src/cli/json-api.js';
import { openStore } from '../../../src/store/index.js';
import { requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { CLI_MAIN, REPO_ROOT, type CliResult } from '../../helpers/rig.js';
import { BANGER_PROFILE, makeTar } from '../../helpers/tar-fixtures.js';

const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/cli/banger-cli.schema.json'), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true });
const validate = ajv.compile(schema);

/** Every leaf command path of the tree, as the envelope's `command` names it. */
function commandTree(): string[] {
  const out: string[] = [];
  for (const g of GROUPS) {
    if (g.register) {
      const program = new Command('banger');
      registerSystemCommands(program, { write: () => undefined });
      for (const sub of program.commands.find((c) => c.name() === g.name)?.commands ?? []) out.push(`${g.name} ${sub.name()}`);
      continue;
    }
    if (g.load) out.push(g.name);
    for (const e of g.commands) {
      if ('commands' in e) for (const c of e.commands) out.push(`${g.name} ${e.name} ${c.name}`);
      else out.push(`${g.name} ${e.name}`);
    }
  }
  return out;
}

interface Case {
  command: string;
  argv: string[];
  expect: 'success' | 'failure';
  /** Expected exit code. @default 0 for success, 1 for failure (2 when `usage`) */
  code?: number;
  /** The failure is a usage error (kind "usage", exit 2). */
  usage?: boolean;
  /** Error code the failure must carry (or each failed result). */
  errorCode?: string;
}

interface Envelope {
  apiVersion: string;
  command: string;
  ok: boolean;
  data?: unknown;
  error?: { kind: string; code: string };
  results?: { target: string; ok: boolean; error?: { kind: string; code: string } }[];
}

/** Shapes a stand-in cannot produce for real (see the header); each validated against the schema. */
const SAMPLES: Record<string, { why: string; data: unknown }> = {
  'vm ssh': { why: 'needs SSH into a guest', data: { name: 'dev', exitCode: 0, stdout: 'Linux dev 6.1.0\n', stderr: '' } },
  'vm exec': { why: 'needs SSH into a guest', data: { name: 'dev', exitCode: 3, stdout: '', stderr: 'make: *** [test] Error 3\n' } },
  'vm run': { why: 'needs SSH into a guest', data: { name: 'brisk-otter', exitCode: 0, removed: true, stdout: 'ok\n', stderr: '' } },
  'vm cp': {
    why: 'needs SSH into a guest',
    data: { direction: 'in', source: '/home/u/dir', destination: 'dev:/root/dir', files: 3, dirs: 1, symlinks: 0, bytes: 4096, seconds: 0.12 },
  },
  'vm ports': {
    why: 'needs the guest agent',
    data: [{ proto: 'http', endpoint: 'http://dev.vm:8080/', port: 8080, process: 'python3', command: 'python3 -m http.server 8080', loopbackOnly: false, forward: '127.0.0.1:18080' }],
  },
  'image build': {
    why: 'downloads a kernel and packages',
    data: {
      id: 'a'.repeat(32),
      name: 'minimal',
      profile: 'minimal',
      managed: true,
      artifactDir: '/var/lib/banger/images/a',
      rootfsPath: '/var/lib/banger/images/a/rootfs.ext4',
      kernelPath: '/var/lib/banger/images/a/vmlinuz',
      sizeBytes: 52428800,
      source: { kind: 'profile', profile: 'minimal' },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    },
  },
  'image pull': {
    why: 'needs a registry (test/integration/images/pull-registry.test.ts pulls from a real one through the images service)',
    data: {
      id: 'b'.repeat(32),
      name: 'debian-bookworm',
      profile: 'imported',
      managed: true,
      artifactDir: '/var/lib/banger/images/b',
      rootfsPath: '/var/lib/banger/images/b/rootfs.ext4',
      kernelPath: '/var/lib/banger/images/b/vmlinuz',
      source: { kind: 'pull', reference: 'docker.io/library/debian:bookworm', digest: `sha256:${'c'.repeat(64)}`, platform: 'linux/amd64', indexDigest: `sha256:${'d'.repeat(64)}` },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    },
  },
  'system restart': { why: 'needs systemd as PID 1', data: { restarted: ['banger-helper.service', 'bangerd.service'] } },
};

/** Commands whose only case is a refusal: --json has no success form for them (docs/cli/json.md). */
const NO_JSON_SUCCESS = new Set(['tui open', 'ssh-proxy']);

const missing = requiresNetns();

describe.skipIf(missing !== null)('every command answers one schema-valid --json document (issue 18)', () => {
  let d: NetnsDaemon;
  let work: string;
  const seen = new Map<string, Set<'success' | 'failure'>>();

  beforeAll(async () => {
    d = new NetnsDaemon({ tempPrefix: 'bgjson-', netnsTag: 'json' });
    // A second image for `image delete` to remove (the stand-in image stays the default).
    const store = openStore(d.layout.dbPath);
    try {
      const at = new Date().toISOString();
      const dir = join(d.layout.imagesDir, 'e'.repeat(32));
      store.images.insert({ id: 'e'.repeat(32), name: 'spare', profile: 'minimal', managed: false, artifactDir: dir, rootfsPath: join(dir, 'rootfs.ext4'), kernelPath: join(dir, 'vmlinuz'), createdAt: at, updatedAt: at });
    } finally {
      store.close();
    }
    // The stand-in image's kernel is only a name until something copies it (image import --kernel-from).
    mkdirSync(join(d.layout.imagesDir, 'f'.repeat(32)), { recursive: true });
    writeFileSync(join(d.layout.imagesDir, 'f'.repeat(32), 'vmlinuz'), 'not a kernel\n');
    await d.start();
    work = join(d.temp.root, 'work');
    mkdirSync(join(work, 'sysroot/etc/systemd/system'), { recursive: true });
    writeFileSync(join(work, 'rootfs.tar'), await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', body: 'ID=test\n' }, BANGER_PROFILE]));
  }, 60_000);
  afterAll(async () => {
    await d?.cleanup();
  }, 60_000);

  /** Runs one case: one document on stdout, valid against the schema, with the expected command, outcome and exit code. */
  const check = (c: Case, r: CliResult): Envelope => {
    const where = `${c.argv.join(' ')}\nexit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
    let doc: Envelope;
    try {
      doc = JSON.parse(r.stdout) as Envelope;
    } catch {
      throw new Error(`stdout is not one JSON document: ${where}`);
    }
    expect(validate(doc), `${ajv.errorsText(validate.errors)}\n${where}`).toBe(true);
    expect(doc.apiVersion).toBe(CLI_JSON_API_VERSION);
    expect(doc.command, where).toBe(c.command);
    expect(doc.ok, where).toBe(c.expect === 'success');
    expect(r.code, where).toBe(c.code ?? (c.expect === 'success' ? 0 : c.usage ? 2 : 1));
    if (c.expect === 'failure') {
      const errors = doc.error ? [doc.error] : (doc.results ?? []).flatMap((x) => (x.error ? [x.error] : []));
      expect(errors.length, where).toBeGreaterThan(0);
      if (c.usage) expect(errors[0]!.kind, where).toBe('usage');
      if (c.errorCode) expect(errors[0]!.code, where).toBe(c.errorCode);
    }
    let kinds = seen.get(c.command);
    if (!kinds) seen.set(c.command, (kinds = new Set()));
    kinds.add(c.expect);
    return doc;
  };
  /** `--json` goes before a `--`: after it, it would be the guest command's word. */
  const withJson = (argv: string[]): string[] => (argv.includes('--') ? [...argv.slice(0, argv.indexOf('--')), '--json', ...argv.slice(argv.indexOf('--'))] : [...argv, '--json']);
  const run = async (c: Case): Promise<Envelope> => check(c, await d.cli(withJson(c.argv), 60_000));
  const ok = (command: string, argv: string[], extra: Partial<Case> = {}) => run({ command, argv, expect: 'success', ...extra });
  const fail = (command: string, argv: string[], extra: Partial<Case> = {}) => run({ command, argv, expect: 'failure', ...extra });
  const usage = (command: string, argv: string[], errorCode?: string) => fail(command, argv, { usage: true, ...(errorCode ? { errorCode } : {}) });

  /**
   * A server (`ui`, `debug viz`): one envelope once it listens, nothing more
   * on stdout after SIGTERM, exit 0.
   */
  const serve = async (command: string, argv: string[]): Promise<void> => {
    // Outside the netns: a server only talks to bangerd's socket, and the signal must reach node itself.
    const child = spawn(process.execPath, [CLI_MAIN, ...argv, '--json'], { env: d.temp.env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${command} did not print its document: ${stderr}`)), 30_000);
      child.stdout.on('data', (b: Buffer) => {
        stdout += b.toString();
        try {
          JSON.parse(stdout);
          clearTimeout(t);
          resolve();
        } catch {
          // not complete yet
        }
      });
    });
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 128)));
    await ready;
    child.kill('SIGTERM');
    const code = await exited;
    check({ command, argv, expect: 'success' }, { code, stdout, stderr });
  };

  it('vm create, list, show', async () => {
    const created = await ok('vm create', ['vm', 'create', '--name', 'j1', '--vcpu', '1', '--memory', '256']);
    expect(created.data).toMatchObject({ name: 'j1', state: 'running' });
    await fail('vm create', ['vm', 'create', '--name', 'Not_A_Label'], { errorCode: 'vm.name_invalid' });
    await usage('vm create', ['vm', 'create', '--vcpu', 'two'], 'vm.vcpu_invalid');
    expect((await d.cli(['vm', 'create', '--no-start', '--name', 'j2'])).code).toBe(0);
    expect((await ok('vm list', ['vm', 'list'])).data).toHaveLength(2);
    await usage('vm list', ['vm', 'list', 'extra'], 'usage.too_many_arguments');
    await ok('vm show', ['vm', 'show', 'j1']);
    await fail('vm show', ['vm', 'show', 'nope'], { errorCode: 'vm.not_found' });
    await usage('vm show', ['vm', 'show'], 'usage.missing_argument');
  }, 120_000);

  it('NAME... commands answer per-name results and keep the successes when one name fails', async () => {
    const started = await ok('vm start', ['vm', 'start', 'j2']);
    expect(started.results).toEqual([expect.objectContaining({ target: 'j2', ok: true })]);
    const mixed = await fail('vm stop', ['vm', 'stop', 'j2', 'nope'], { errorCode: 'vm.not_found' });
    expect(mixed.results?.map((x) => [x.target, x.ok])).toEqual([
      ['j2', true],
      ['nope', false],
    ]);
    await fail('vm start', ['vm', 'start', 'nope']);
    await ok('vm stop', ['vm', 'stop', 'j1']);
    await ok('vm start', ['vm', 'start', 'j1']);
    await ok('vm restart', ['vm', 'restart', 'j1']);
    await fail('vm restart', ['vm', 'restart', 'nope']);
    await ok('vm pause', ['vm', 'pause', 'j1']);
    await fail('vm pause', ['vm', 'pause', 'nope']);
    await ok('vm resume', ['vm', 'resume', 'j1']);
    await fail('vm resume', ['vm', 'resume', 'nope']);
    await usage('vm stop', ['vm', 'stop'], 'usage.missing_argument');
  }, 180_000);

  it('snapshots, restore, fork, set, stats, logs', async () => {
    await ok('vm snapshot create', ['vm', 'snapshot', 'j1', '--name', 's1']);
    await fail('vm snapshot create', ['vm', 'snapshot', 'nope']);
    await ok('vm snapshot create', ['vm', 'snapshot', 'create', 'j2', '--name', 's2']);
    expect((await ok('vm snapshot list', ['vm', 'snapshot', 'list'])).data).toHaveLength(2);
    // A snapshot no VM is layered on, so it can be deleted: its VM is gone (snapshots outlive their VM).
    expect((await d.cli(['vm', 'create', '--name', 'j5'])).code).toBe(0);
    expect((await d.cli(['vm', 'snapshot', 'j5', '--name', 's3'])).code).toBe(0);
    expect((await d.cli(['vm', 'delete', '--force', 'j5'])).code).toBe(0);
    await usage('vm snapshot list', ['vm', 'snapshot', 'list', 'a', 'b'], 'usage.too_many_arguments');
    await ok('vm restore', ['vm', 'restore', 'j1', '--snapshot', 's1']);
    await usage('vm restore', ['vm', 'restore', 'j1'], 'usage.missing_required_option');
    await ok('vm fork', ['vm', 'fork', 'j1', '--name', 'j3']);
    await fail('vm fork', ['vm', 'fork', 'nope', '--name', 'j4']);
    await ok('vm snapshot delete', ['vm', 'snapshot', 'delete', 's3']);
    await fail('vm snapshot delete', ['vm', 'snapshot', 'delete', 's2'], { errorCode: 'snapshot.in_use' });
    await fail('vm snapshot delete', ['vm', 'snapshot', 'delete', 'nope']);
    await ok('vm set', ['vm', 'set', 'j2', '--vcpu', '2']);
    await usage('vm set', ['vm', 'set', 'j2'], 'vm.set_nothing');
    await ok('vm stats', ['vm', 'stats', 'j1']);
    await fail('vm stats', ['vm', 'stats', 'nope']);
    await ok('vm logs', ['vm', 'logs', 'j1']);
    await usage('vm logs', ['vm', 'logs', 'j1', '--follow'], 'usage.json_unsupported');
  }, 180_000);

  it('forwards', async () => {
    await ok('vm forward add', ['vm', 'forward', 'j1', '18080:80']);
    await usage('vm forward add', ['vm', 'forward', 'add', 'j1', 'not-a-spec']);
    expect((await ok('vm forward list', ['vm', 'forward', 'list'])).data).toHaveLength(1);
    await usage('vm forward list', ['vm', 'forward', 'list', 'a', 'b'], 'usage.too_many_arguments');
    await ok('vm forward delete', ['vm', 'forward', 'delete', 'j1', '18080']);
    await fail('vm forward delete', ['vm', 'forward', 'delete', 'j1', '18080']);
  }, 60_000);

  it('guest commands: their failures for real (successes are SAMPLES)', async () => {
    await usage('vm ssh', ['vm', 'ssh', 'j1'], 'usage.json_unsupported');
    await fail('vm ssh', ['vm', 'ssh', 'nope', '--', 'true'], { errorCode: 'vm.not_found' });
    await usage('vm ssh', ['vm', 'ssh', 'j1', '-t', '--', 'true'], 'usage.json_unsupported');
    await fail('vm exec', ['vm', 'exec', 'nope', '--', 'true'], { errorCode: 'vm.not_found' });
    await usage('vm exec', ['vm', 'exec', 'j1'], 'exec.no_command');
    await usage('vm run', ['vm', 'run'], 'usage.json_unsupported');
    await fail('vm cp', ['vm', 'cp', join(work, 'no-such-file'), 'j1:/root/']);
    await usage('vm cp', ['vm', 'cp', 'a:/x', 'b:/y'], 'cp.usage');
    await fail('vm ports', ['vm', 'ports', 'j1']);
    await fail('vm ports', ['vm', 'ports', 'nope'], { errorCode: 'vm.not_found' });
  }, 60_000);

  it('images', async () => {
    expect((await ok('image list', ['image', 'list'])).data).toHaveLength(2);
    await usage('image list', ['image', 'list', 'x'], 'usage.too_many_arguments');
    await ok('image show', ['image', 'show', 'standin']);
    await fail('image show', ['image', 'show', 'nope']);
    await usage('image build', ['image', 'build', '--profile', 'bogus'], 'image.profile_invalid');
    const imported = await ok('image import', ['image', 'import', join(work, 'rootfs.tar'), '--name', 'imported', '--format', 'tar', '--kernel-from', 'standin']);
    // Provenance (issue 20): what was imported, from where.
    expect((imported.data as { source?: unknown }).source).toEqual({ kind: 'import', path: join(work, 'rootfs.tar'), format: 'tar' });
    expect(((await ok('image show', ['image', 'show', 'imported'])).data as { source?: unknown }).source).toEqual({ kind: 'import', path: join(work, 'rootfs.tar'), format: 'tar' });
    await fail('image import', ['image', 'import', join(work, 'missing.tar'), '--name', 'nothing']);
    await usage('image import', ['image', 'import', join(work, 'rootfs.tar')], 'usage.missing_required_option');
    await fail('image pull', ['image', 'pull', 'Bad Ref'], { errorCode: 'pull.bad_reference' });
    await fail('image pull', ['image', 'pull', 'debian', '--platform', 'amd64'], { errorCode: 'pull.bad_platform' });
    await usage('image pull', ['image', 'pull'], 'usage.missing_argument');
    await ok('image delete', ['image', 'delete', 'spare']);
    await fail('image delete', ['image', 'delete', 'spare']);
    await ok('image warm', ['image', 'warm', 'standin']);
    await fail('image warm', ['image', 'warm', 'nope']);
  }, 180_000);

  it('servers print one document when ready: ui and debug viz', async () => {
    await serve('ui', ['ui', '--port', '0']);
    await usage('ui', ['ui', '--port', '99999'], 'ui.port');
    await serve('debug viz', ['debug', 'viz', '--port', '0']);
    await usage('debug viz', ['debug', 'viz', '--port', 'x'], 'debug.port');
  }, 90_000);

  it('debug machines, doctor, ssh-config, ssh-proxy, tui', async () => {
    await ok('debug machines', ['debug', 'machines']);
    await usage('debug machines', ['debug', 'machines', '--format', 'bogus'], 'debug.format');
    // doctor's verdict is data.passed; a failing check exits 1 with ok still true (doctor ran).
    const r = await d.cli(['doctor', '--json'], 60_000);
    check({ command: 'doctor', argv: ['doctor'], expect: 'success', code: (JSON.parse(r.stdout) as { data: { passed: boolean } }).data.passed ? 0 : 1 }, r);
    await usage('doctor', ['doctor', 'extra'], 'usage.too_many_arguments');
    await ok('ssh-config', ['ssh-config']);
    await usage('ssh-config', ['ssh-config', '--install', '--uninstall'], 'usage.conflicting_options');
    await usage('ssh-proxy', ['ssh-proxy', 'j1.vm', '22'], 'usage.json_unsupported');
    await usage('tui open', ['tui'], 'usage.json_unsupported');
  }, 90_000);

  it('completion and version (version never starts bangerd; here it runs)', async () => {
    const script = await ok('completion', ['completion', 'bash']);
    expect((script.data as { script: string }).script).toContain('__complete');
    await usage('completion', ['completion', 'tcsh'], 'usage.invalid_value');
    const v = await ok('version', ['version']);
    expect(v.data).toMatchObject({ jsonApi: CLI_JSON_API_VERSION, daemon: { running: true } });
    await usage('version', ['version', 'extra'], 'usage.too_many_arguments');
  }, 60_000);

  it('system (under --root: no systemctl)', async () => {
    const root = join(work, 'sysroot');
    await ok('system install', ['system', 'install', '--root', root, '--owner', 'root']);
    await fail('system install', ['system', 'install', '--root', root, '--owner', 'no-such-user-json'], { errorCode: 'system.owner_unknown' });
    await ok('system status', ['system', 'status', '--root', root]);
    await usage('system status', ['system', 'status', '--bogus'], 'usage.unknown_option');
    // Outside a --root, restart needs systemd; here it fails (the success shape is a SAMPLE).
    const restart = await d.cli(['system', 'restart', '--json'], 60_000);
    check({ command: 'system restart', argv: ['system', 'restart'], expect: restart.code === 0 ? 'success' : 'failure', code: restart.code }, restart);
    await ok('system uninstall', ['system', 'uninstall', '--root', root]);
    await usage('system uninstall', ['system', 'uninstall', '--bogus'], 'usage.unknown_option');
  }, 60_000);

  it('usage errors above any command: unknown group, group without a command', async () => {
    await usage('', ['bogus'], 'usage.unknown_command');
    await usage('vm', ['vm'], 'usage.missing_command');
    await usage('vm', ['vm', 'bogus'], 'usage.unknown_command');
    await usage('vm snapshot create', ['vm', 'snapshot'], 'usage.missing_argument');
  }, 30_000);

  it('vm delete; daemon start, status, stop (last: it stops bangerd)', async () => {
    const del = await ok('vm delete', ['vm', 'delete', '--force', 'j3']);
    expect(del.results).toEqual([{ target: 'j3', ok: true, data: { deleted: 'j3' } }]);
    await fail('vm delete', ['vm', 'delete', 'nope']);
    await ok('daemon start', ['daemon', 'start']);
    await usage('daemon start', ['daemon', 'start', 'x'], 'usage.too_many_arguments');
    expect((await ok('daemon status', ['daemon', 'status'])).data).toMatchObject({ running: true });
    await usage('daemon status', ['daemon', 'status', 'x'], 'usage.too_many_arguments');
    await usage('daemon stop', ['daemon', 'stop', 'x'], 'usage.too_many_arguments');
    expect((await ok('daemon stop', ['daemon', 'stop'])).data).toMatchObject({ running: false, stopped: true });
    expect((await ok('daemon status', ['daemon', 'status'])).data).toMatchObject({ running: false });
    expect((await ok('daemon stop', ['daemon', 'stop'])).data).toEqual({ running: false, stopped: false });
  }, 120_000);

  it('the samples validate, and every command of the tree had a success and a failure case', () => {
    for (const [command, s] of Object.entries(SAMPLES)) {
      const doc = { apiVersion: CLI_JSON_API_VERSION, command, ok: true, data: s.data };
      expect(validate(doc), `${command} (${s.why}): ${ajv.errorsText(validate.errors)}`).toBe(true);
      let kinds = seen.get(command);
      if (!kinds) seen.set(command, (kinds = new Set()));
      kinds.add('success');
    }
    const gaps = commandTree().flatMap((command) => {
      const kinds = seen.get(command) ?? new Set();
      const need: ('success' | 'failure')[] = NO_JSON_SUCCESS.has(command) ? ['failure'] : ['success', 'failure'];
      return need.filter((k) => !kinds.has(k)).map((k) => `${command}: no ${k} case`);
    });
    expect(gaps).toEqual([]);
  });
});

describe('the schema rejects the shapes issue 18 retired', () => {
  const v = (doc: unknown) => validate(doc);
  const env = (command: string, rest: Record<string, unknown>) => ({ apiVersion: CLI_JSON_API_VERSION, command, ...rest });

  it.each([
    ['a bare array', []],
    ['doctor as {ok,checks}', { ok: true, checks: [] }],
    ['system as {ok,result}', { ok: true, result: { restarted: [] } }],
    ['vm stop answering data instead of results', env('vm stop', { ok: true, data: {} })],
    ['vm list data that is not a list of VMs', env('vm list', { ok: true, data: [{ name: 'x' }] })],
    ['a usage error with the generic code', env('vm', { ok: false, error: { kind: 'usage', code: 'error', message: 'x' } })],
    ['ok true with a failed result', env('vm stop', { ok: true, results: [{ target: 'a', ok: false, error: { kind: 'not_found', code: 'vm.not_found', message: 'x' } }] })],
    ['a success of a command the schema does not know', env('vm frobnicate', { ok: true, data: {} })],
    ['another apiVersion', { apiVersion: 'banger.cli/v2', command: 'vm list', ok: true, data: [] }],
  ])('%s', (_what, doc) => {
    expect(v(doc)).toBe(false);
  });
});
