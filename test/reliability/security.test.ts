import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageFileSync } from '../../src/guest/file-sync/index.js';
import { ensureSshKey } from '../../src/guest/keys.js';
import { prepareWorkspace } from '../../src/guest/workspace/index.js';
import { gated, requiresNetns, requiresRoot } from '../helpers/host-caps.js';
import { RawPeer, REPO_ROOT } from '../helpers/index.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { count } from './support/counters.js';
import { ensureDist } from './support/dist.js';
import { DaemonProcess, HelperProcess } from './support/processes.js';

/**
 * Security (issue 8, item 7): other users are refused by the helper and the
 * daemon, state is private (0700 dirs, 0600 files), file_sync and workspace
 * staging never read (or write) outside the owner's home / the repo, symlinks
 * included, and no secret (banger's private key, the helper token) lands in a log.
 */
const SECRET = `bgrel-secret-${Math.random().toString(36).slice(2)}`;

/** Every regular file under `dir` (symlinks are listed separately, never followed). */
function walk(dir: string): { files: string[]; links: string[]; dirs: string[] } {
  const out = { files: [] as string[], links: [] as string[], dirs: [] as string[] };
  const visit = (d: string) => {
    out.dirs.push(d);
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.links.push(p);
      else if (st.isDirectory()) visit(p);
      else out.files.push(p);
    }
  };
  visit(dir);
  return out;
}

const filesHolding = (dir: string, needle: string) => walk(dir).files.filter((f) => readFileSync(f).includes(needle));

const rootMissing = requiresRoot();

describe.skipIf(rootMissing !== null)(gated('other users are refused', rootMissing), () => {
  let stranger: TestUser;
  let owner: TestUser;
  let daemon: DaemonProcess;
  let helper: HelperProcess | undefined;
  const netnsMissing = requiresNetns();

  beforeAll(async () => {
    ensureDist();
    stranger = createTestUser('rels');
    owner = createTestUser('rel');
    daemon = await DaemonProcess.start();
    if (netnsMissing === null) helper = await HelperProcess.start(owner);
  }, 180_000);

  afterAll(async () => {
    await daemon?.dispose();
    await helper?.dispose();
    stranger?.remove();
    owner?.remove();
  }, 30_000);

  const connectAs = (user: TestUser, socketPath: string): string =>
    execFileSync(
      process.execPath,
      ['-e', `require('net').connect(process.argv[1]).on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(0)})`, socketPath],
      { encoding: 'utf8', uid: user.uid, gid: user.gid, timeout: 10_000 },
    ).trim();

  it('the helper socket refuses a real second user at connect, and without the token even when the mode is widened', { timeout: 60_000 }, async (ctx) => {
    if (!helper) return ctx.skip(netnsMissing ?? 'no helper');
    expect(connectAs(stranger, helper.socketPath)).toBe('EACCES');
    const call = (user: TestUser, token?: string) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [join(REPO_ROOT, 'test/fixtures/helper-call.mjs'), join(REPO_ROOT, 'dist/helper/client.js'), helper!.socketPath, 'tap.create', JSON.stringify({ name: 'bgtap9', bridge: 'br-banger' }), ...(token ? [token] : [])],
          { encoding: 'utf8', uid: user.uid, gid: user.gid, timeout: 20_000 },
        ),
      ) as { ok: boolean; error?: { code: string } };
    expect(call(stranger, helper.token)).toMatchObject({ ok: false, error: { code: 'caller.not_owner' } });
    count('faultsInjected', 1, 'stranger call to helper');
    // The owner, without the token, gets past the kernel but not the hello gate.
    expect(call(owner)).toMatchObject({ ok: false, error: { code: 'caller.not_owner' } });
    expect(helper.alive).toBe(true);
  });

  it("the new host-facing ops (hosts.sync, dns.redirect) refuse a stranger, and refuse the owner's out-of-policy arguments, leaving both hosts files and the rules alone", { timeout: 60_000 }, async (ctx) => {
    if (!helper) return ctx.skip(netnsMissing ?? 'no helper');
    const h = helper;
    // Params go through a file the caller can read: the oversized list does not fit in one argument.
    const paramsFile = join(h.tmp, 'params.json');
    const call = (user: TestUser, op: string, params: object) => {
      writeFileSync(paramsFile, JSON.stringify(params), { mode: 0o644 });
      return JSON.parse(
        execFileSync(process.execPath, [join(REPO_ROOT, 'test/fixtures/helper-call.mjs'), join(REPO_ROOT, 'dist/helper/client.js'), h.socketPath, op, `@${paramsFile}`, h.token], {
          encoding: 'utf8',
          uid: user.uid,
          gid: user.gid,
          timeout: 20_000,
        }),
      ) as { ok: boolean; error?: { code: string } };
    };
    const state = () => ({ ns: readFileSync(h.ns.hostsFile, 'utf8'), host: readFileSync('/etc/hosts', 'utf8'), rules: h.ns.exec('iptables-save', []).split('\n').filter((l) => l.startsWith('-A')) });
    const before = state();
    const entry = (name: string, ip: string) => ({ instance: 'a1b2c3d4e5f6', entries: [{ name, ip }] });
    expect(call(stranger, 'hosts.sync', entry('dev.vm', '172.16.0.2'))).toMatchObject({ ok: false, error: { code: 'caller.not_owner' } });
    expect(call(stranger, 'dns.redirect', { bridge: 'br-banger', port: 5353 })).toMatchObject({ ok: false, error: { code: 'caller.not_owner' } });
    const refusals: Array<[string, object, string]> = [
      ['hosts.sync', entry('evil.example.com', '172.16.0.2'), 'hosts.name_invalid'],
      ['hosts.sync', entry('localhost.vm.example', '172.16.0.2'), 'hosts.name_invalid'],
      ['hosts.sync', entry('dev.vm', '93.184.216.34'), 'ip.outside_cidr'],
      ['hosts.sync', entry('dev.vm #', '172.16.0.2'), 'arg.metachar'],
      ['hosts.sync', { instance: 'a1b2c3d4e5f6', entries: Array.from({ length: 5000 }, (_, i) => ({ name: `v${i}.vm`, ip: '172.16.0.2' })) }, 'arg.schema'],
      ['dns.redirect', { bridge: 'br-other', port: 5353 }, 'bridge.name_invalid'],
      ['dns.redirect', { bridge: 'br-banger', port: 22 }, 'dns.port_invalid'],
      ['dns.unredirect', { bridge: 'lo' }, 'bridge.name_invalid'],
    ];
    for (const [op, params, code] of refusals) {
      expect(call(owner, op, params), `${op} ${JSON.stringify(params).slice(0, 80)}`).toMatchObject({ ok: false, error: { code } });
      count('badInputs', 1);
    }
    expect(state()).toEqual(before);
    expect(h.alive).toBe(true);
  });

  it('the daemon socket refuses a real second user (runtime dir 0700, socket 0600)', { timeout: 30_000 }, () => {
    expect(connectAs(stranger, daemon.layout.daemonSocket)).toBe('EACCES');
    expect(statSync(daemon.layout.daemonSocket).mode & 0o777).toBe(0o600);
    expect(statSync(daemon.layout.runtimeDir).mode & 0o777).toBe(0o700);
  });

  it('state and runtime dirs are 0700 and every file in them 0600 (public key halves aside), banger key included', { timeout: 30_000 }, async () => {
    await ensureSshKey(daemon.layout);
    // Traffic so the db, its WAL and the log all exist.
    const peer = await RawPeer.open(daemon.layout.daemonSocket);
    await peer.call('vm.list', {}, 1);
    peer.end();
    const loose: string[] = [];
    for (const root of [daemon.layout.stateDir, daemon.layout.runtimeDir, daemon.layout.sshDir]) {
      if (!existsSync(root)) continue;
      const tree = walk(root);
      for (const d of tree.dirs) if ((statSync(d).mode & 0o077) !== 0) loose.push(`${d} ${(statSync(d).mode & 0o777).toString(8)}`);
      for (const f of [...tree.files, ...tree.links]) {
        if (f.endsWith('.pub')) continue;
        const m = lstatSync(f).mode & 0o777;
        if ((m & 0o077) !== 0) loose.push(`${f} ${m.toString(8)}`);
      }
    }
    expect(loose).toEqual([]);
  });
});

describe('file_sync staging stays inside the home', () => {
  let root: string;
  let home: string;
  let outside: string;

  beforeAll(() => {
    root = mkdtempSync('/tmp/bgrel-fsync-');
    home = join(root, 'home');
    outside = join(root, 'outside');
    mkdirSync(join(home, 'dotdir'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), SECRET);
    writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = t\n');
    symlinkSync(join(outside, 'secret'), join(home, 'link-out'));
    symlinkSync('../../outside', join(home, 'dotdir', 'esc'));
    symlinkSync(join(outside, 'secret'), join(home, 'dotdir', 'inner-link'));
    writeFileSync(join(home, 'dotdir', 'ok'), 'fine');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const stagingDir = () => mkdtempSync(join(root, 'stage-'));

  it.each([
    ['a symlink in the home pointing outside', '~/link-out'],
    ['an absolute path outside the home', '/etc/hostname'],
    ['a path that climbs out with ..', '~/../outside/secret'],
  ])('refuses %s with an error naming the fix, staging nothing', { timeout: 10_000 }, async (_what, host) => {
    const staging = stagingDir();
    await expect(stageFileSync([{ host, guest: '~/x' }], home, staging)).rejects.toMatchObject({ kind: 'invalid', hint: expect.stringContaining('home') });
    expect(readdirSync(staging)).toEqual([]);
    count('badInputs', 1);
  });

  it('copies a directory with its symlinks as links, reading nothing outside the home', { timeout: 10_000 }, async () => {
    const staging = stagingDir();
    await stageFileSync([{ host: '~/dotdir', guest: '~/dotdir' }], home, staging);
    expect(lstatSync(join(staging, 'dotdir', 'esc')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(staging, 'dotdir', 'inner-link')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(staging, 'dotdir', 'ok'), 'utf8')).toBe('fine');
    expect(filesHolding(staging, SECRET)).toEqual([]);
  });

  it('fault: a guest path through a symlink staged by an earlier entry wrote outside the staging dir', { timeout: 10_000 }, async () => {
    const staging = stagingDir();
    const before = readdirSync(outside).sort();
    const entries = [
      { host: '~/dotdir', guest: '~/dotdir' },
      { host: '~/.gitconfig', guest: '~/dotdir/esc/planted' },
    ];
    await expect(stageFileSync(entries, home, staging)).rejects.toMatchObject({ kind: 'invalid', message: expect.stringContaining('symlink') });
    await expect(stageFileSync([{ host: '~/dotdir', guest: '~/dotdir' }, { host: '~/.gitconfig', guest: '~/dotdir/esc/newdir/planted' }], home, stagingDir())).rejects.toMatchObject({
      kind: 'invalid',
    });
    expect(readdirSync(outside).sort()).toEqual(before);
    count('defectsFound', 1, 'file_sync: guest path through a staged symlink wrote outside the staging dir (src/guest/file-sync/stage.ts)');
  });
});

describe('workspace staging stays inside the repo', () => {
  let root: string;
  let repo: string;
  let outside: string;
  const git = (args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, stdio: 'pipe' });

  beforeAll(() => {
    root = mkdtempSync('/tmp/bgrel-ws-');
    repo = join(root, 'repo');
    outside = join(root, 'outside');
    mkdirSync(join(repo, 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), SECRET);
    writeFileSync(join(outside, 'file.txt'), SECRET);
    writeFileSync(join(repo, 'a.txt'), 'a');
    writeFileSync(join(repo, 'sub', 'file.txt'), 'tracked');
    symlinkSync(join(outside, 'secret'), join(repo, 'out-link'));
    git(['init', '-q']);
    git(['add', '-A']);
    git(['commit', '-qm', 'init']);
    // After the commit: the tracked dir becomes a link out of the repo, plus an untracked link to a directory outside.
    rmSync(join(repo, 'sub'), { recursive: true });
    symlinkSync(outside, join(repo, 'sub'));
    symlinkSync(outside, join(repo, 'dir-link'));
    writeFileSync(join(repo, 'untracked.txt'), 'u');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('fault: shallow_overlay followed a tracked directory the working tree replaced with a symlink, reading outside the repo and deleting the host file it pointed at', { timeout: 60_000 }, async () => {
    const ws = await prepareWorkspace(repo, { vmId: 'rel', mode: 'shallow_overlay', tmpRoot: root });
    try {
      expect(readFileSync(join(outside, 'file.txt'), 'utf8')).toBe(SECRET);
      expect(lstatSync(join(ws.stagingDir!, 'sub')).isSymbolicLink()).toBe(true);
      expect(filesHolding(ws.stagingDir!, SECRET)).toEqual([]);
    } finally {
      await ws.cleanup();
    }
    count('defectsFound', 1, 'workspace: shallow_overlay read through a symlinked tracked dir and deleted the host file behind it (src/guest/workspace/prepare.ts)');
  });

  it.each(['shallow_overlay', 'full_copy'] as const)('%s: links stay links and no byte from outside the repo is staged', { timeout: 60_000 }, async (mode) => {
    const ws = await prepareWorkspace(repo, { vmId: 'rel', mode, tmpRoot: root });
    try {
      expect(ws.stagingDir).toBeDefined();
      const staged = ws.stagingDir!;
      expect(filesHolding(staged, SECRET).map((f) => relative(staged, f))).toEqual([]);
      expect(lstatSync(join(staged, 'out-link')).isSymbolicLink()).toBe(true);
      expect(lstatSync(join(staged, 'dir-link')).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(staged, 'untracked.txt'), 'utf8')).toBe('u');
      expect(readdirSync(outside).sort()).toEqual(['file.txt', 'secret']);
    } finally {
      await ws.cleanup();
    }
  });
});

describe.skipIf(rootMissing !== null)(gated('no secret lands in a log', rootMissing), () => {
  let owner: TestUser;
  let daemon: DaemonProcess;
  let helper: HelperProcess | undefined;

  beforeAll(async () => {
    ensureDist();
    owner = createTestUser('rel');
    daemon = await DaemonProcess.start();
    if (requiresNetns() === null) helper = await HelperProcess.start(owner);
  }, 180_000);
  afterAll(async () => {
    await daemon?.dispose();
    await helper?.dispose();
    owner?.remove();
  }, 30_000);

  /** The base64 body lines of an OpenSSH private key: any one of them in a log is a leak. */
  const keyLines = (pem: string) => pem.split('\n').filter((l) => l.length >= 20 && !l.startsWith('-----'));

  it("banger's private key and the helper token appear in neither bangerd.log nor the helper log after a run", { timeout: 60_000 }, async () => {
    const key = await ensureSshKey(daemon.layout);
    const lines = keyLines(key.privateKey);
    expect(lines.length).toBeGreaterThan(0);
    // A run of calls that name the key's paths, plus refused and failing ones, on both processes.
    const peer = await RawPeer.open(daemon.layout.daemonSocket);
    try {
      await peer.call('vm.show', { name: key.privateKeyPath }, 1);
      await peer.call('image.show', { name: 'ghost' }, 2);
      await peer.call('vm.list', { junk: true }, 3);
      await peer.call('daemon.status', {}, 4);
    } finally {
      peer.end();
    }
    if (helper) {
      const hp = await RawPeer.open(helper.socketPath);
      try {
        hp.write(`${JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'helper.hello', params: { token: 'x'.repeat(48) } })}\n`);
        await hp.nextMessage();
      } finally {
        hp.end();
      }
      const good = await RawPeer.open(helper.socketPath);
      try {
        good.write(`${helper.helloLine()}\n`);
        await good.nextMessage();
        await good.call('loop.attach', { path: key.privateKeyPath, readOnly: true }, 5);
        await good.call('loop.detach', { device: key.privateKeyPath }, 6);
      } finally {
        good.end();
      }
    }
    // A corrupt key: the error names the file and the fix without quoting the key.
    writeFileSync(key.privateKeyPath, key.privateKey.replace(lines[1]!, lines[1]!.split('').reverse().join('')), { mode: 0o600 });
    const err = await ensureSshKey(daemon.layout).then(() => null, (e: Error) => e);
    expect(err).not.toBeNull();
    for (const l of lines) expect(err!.message).not.toContain(l);

    await new Promise((r) => setTimeout(r, 300));
    const logs = { 'bangerd.log': readFileSync(daemon.layout.daemonLog, 'utf8'), 'bangerd stderr': daemon.stderr, 'helper log': helper?.log ?? '' };
    const leaks: string[] = [];
    for (const [name, text] of Object.entries(logs)) {
      for (const l of lines) if (text.includes(l)) leaks.push(`${name} holds a private key line`);
      if (helper && text.includes(helper.token)) leaks.push(`${name} holds the helper token`);
    }
    expect(leaks).toEqual([]);
    expect(logs['bangerd.log'].length).toBeGreaterThan(0);
  });
});
