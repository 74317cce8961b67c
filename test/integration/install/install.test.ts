import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerSystemCommands } from '../../../src/cli/commands/system/index.js';
import { createExecFileRunner } from '../../../src/host/exec/index.js';
import { createSystemService, METADATA_PATH } from '../../../src/install/index.js';
import { jsonData } from '../../helpers/cli-json.js';

/** path → type, mode and content hash-ish: everything uninstall must restore. */
function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const st = lstatSync(abs);
      out[relative(root, abs)] = `${st.isDirectory() ? 'd' : 'f'}:${(st.mode & 0o7777).toString(8)}:${st.isFile() ? readFileSync(abs, 'utf8') : ''}`;
      if (st.isDirectory()) walk(abs);
    }
  };
  walk(root);
  return out;
}

describe('banger system install/uninstall --root (real files, real getent)', () => {
  let root: string;
  const user = process.env.USER ?? 'root';

  beforeEach(() => {
    root = mkdtempSync('/tmp/banger-sysroot-');
    // Pre-existing content install must leave alone: an unrelated unit and an existing /etc.
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    writeFileSync(join(root, 'etc/systemd/system/other.service'), '[Unit]\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes units, token and metadata; uninstall leaves the root exactly as before', { timeout: 20_000 }, async () => {
    const before = snapshotTree(root);
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerSystemCommands(program, { env: { ...process.env, USER: 'root', SUDO_USER: undefined }, write: (t) => out.push(t) });

    await program.parseAsync(['node', 'banger', 'system', 'install', '--root', root, '--owner', 'root', '--json']);
    const installed = JSON.parse(out.pop() ?? '') as { ok: boolean; command: string; data: { files: string[]; started: boolean } };
    expect(installed).toMatchObject({ ok: true, command: 'system install' });
    expect(installed.data.started).toBe(false);
    const helperUnit = readFileSync(join(root, 'etc/systemd/system/banger-helper.service'), 'utf8');
    expect(helperUnit).toContain('CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_SYS_ADMIN');
    expect(helperUnit).toMatch(/ExecStart=\S+node\S* \S+\/helper\/main\.js --owner-uid 0 --owner-gid 0 --root \/root\/\.local\/state\/banger/);
    const daemonUnit = readFileSync(join(root, 'etc/systemd/system/bangerd.service'), 'utf8');
    expect(daemonUnit).toContain('User=root');
    expect(daemonUnit).toContain('CapabilityBoundingSet=CAP_SETUID CAP_SETGID');
    expect(daemonUnit).not.toContain('NoNewPrivileges=yes'); // newuidmap (debian profile as the owner) is setuid
    expect((lstatSync(join(root, 'etc/banger/helper.token')).mode & 0o777).toString(8)).toBe('600');
    const meta = JSON.parse(readFileSync(join(root, METADATA_PATH), 'utf8')) as { files: { path: string; sha256: string }[]; createdDirs: string[] };
    expect(meta.files.map((f) => f.path).sort()).toEqual(['etc/banger/helper.token', 'etc/systemd/system/banger-helper.service', 'etc/systemd/system/bangerd.service']);
    expect(meta.createdDirs).toEqual(['etc/banger', 'var', 'var/lib', 'var/lib/banger']);

    await program.parseAsync(['node', 'banger', 'system', 'status', '--root', root, '--json']);
    const status = jsonData<{ installed: boolean; files: { state: string }[] }>(out.pop() ?? '');
    expect(status.installed).toBe(true);
    expect(status.files.every((f) => f.state === 'ok')).toBe(true);

    await program.parseAsync(['node', 'banger', 'system', 'uninstall', '--root', root]);
    expect(snapshotTree(root)).toEqual(before);
  });

  it('keeps a unit the admin edited after install unless --force', { timeout: 20_000 }, async () => {
    const svc = createSystemService({ runner: createExecFileRunner(), env: { USER: user } });
    await svc.install({ root, owner: 'root' });
    writeFileSync(join(root, 'etc/systemd/system/bangerd.service'), '# edited\n');
    const r = await svc.uninstall({ root });
    expect(r.kept).toEqual(['etc/systemd/system/bangerd.service']);
    expect(readFileSync(join(root, 'etc/systemd/system/bangerd.service'), 'utf8')).toBe('# edited\n');
  });

  it('refuses to overwrite a file it did not write, leaving the root unchanged', { timeout: 20_000 }, async () => {
    writeFileSync(join(root, 'etc/systemd/system/bangerd.service'), 'mine\n');
    const before = snapshotTree(root);
    const svc = createSystemService({ runner: createExecFileRunner(), env: {} });
    await expect(svc.install({ root, owner: 'root' })).rejects.toMatchObject({ code: 'system.file_exists' });
    expect(snapshotTree(root)).toEqual(before);
  });

  it('names the missing piece when restart cannot use systemd', { timeout: 20_000 }, async () => {
    const svc = createSystemService({ runner: createExecFileRunner(), env: {}, exists: () => false });
    await expect(svc.restart()).rejects.toMatchObject({ code: 'system.no_systemd' });
  });
});
