import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliRig } from '../../helpers/index.js';

/** path → type, mode and content: everything uninstall must restore. */
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

let rig: CliRig;
let root: string;
beforeEach(() => {
  rig = new CliRig();
  root = join(rig.temp.root, 'sysroot');
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/system/other.service'), '[Unit]\n');
});
afterEach(async () => rig.cleanup(), 20_000);

describe('banger system through the CLI registry (--root, no systemctl)', () => {
  it('install, status, uninstall via the real CLI leave the root as before; --json works after the subcommand', { timeout: 30_000 }, async () => {
    const before = snapshotTree(root);
    const help = await rig.cli(['--help']);
    expect(help.stdout).toMatch(/^ {2}system +Install banger as systemd services/m);

    const install = await rig.cli(['system', 'install', '--root', root, '--owner', 'root', '--json']);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    expect(JSON.parse(install.stdout)).toMatchObject({ apiVersion: 'banger.cli/v1', command: 'system install', ok: true, data: { started: false } });
    expect(readFileSync(join(root, 'etc/systemd/system/bangerd.service'), 'utf8')).toContain('User=root');

    const status = await rig.cli(['system', 'status', '--root', root]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`installed under ${root} for root`);
    expect(status.stdout).toMatch(/^ {2}ok +etc\/systemd\/system\/bangerd\.service$/m);

    const un = await rig.cli(['--json', 'system', 'uninstall', '--root', root]);
    expect(un.code).toBe(0);
    expect(JSON.parse(un.stdout)).toMatchObject({ command: 'system uninstall', ok: true, data: { kept: [] } });
    expect(snapshotTree(root)).toEqual(before);
  });

  it('an unknown system subcommand is a usage error naming banger system --help', { timeout: 30_000 }, async () => {
    const r = await rig.cli(['system', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'bogus'");
    expect(r.stderr).toContain('banger system --help');
  });
});
