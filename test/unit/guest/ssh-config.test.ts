import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  installInclude,
  isIncludeInstalled,
  renderSshConfig,
  uninstallInclude,
  withInclude,
  withoutInclude,
  createdByInstall,
  hasBlock,
  includeBlock,
  BEGIN_MARKER,
} from '../../../src/guest/ssh-config/index.js';

describe('ssh-config include', () => {
  let home: string;
  const bangerCfg = '/home/u/.config/banger/ssh/ssh_config';
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'banger-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('install then uninstall leaves an existing ~/.ssh/config byte-identical', async () => {
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    const original = 'Host github.com\n  User git\n\n# trailing comment without newline';
    writeFileSync(join(home, '.ssh', 'config'), original, { mode: 0o644 });
    expect((await installInclude(home, bangerCfg)).changed).toBe(true);
    const installed = readFileSync(join(home, '.ssh', 'config'), 'utf8');
    expect(installed.startsWith('# >>> banger ssh-config >>>\nInclude /home/u/.config/banger/ssh/ssh_config\n')).toBe(true);
    expect(await isIncludeInstalled(home)).toBe(true);
    expect((await installInclude(home, bangerCfg)).changed).toBe(false);
    expect(readFileSync(join(home, '.ssh', 'config'), 'utf8')).toBe(installed);
    expect((await uninstallInclude(home)).changed).toBe(true);
    expect(readFileSync(join(home, '.ssh', 'config'), 'utf8')).toBe(original);
    expect(statSync(join(home, '.ssh', 'config')).mode & 0o777).toBe(0o644);
    expect((await uninstallInclude(home)).changed).toBe(false);
  });

  it('creates ~/.ssh/config when missing and removes it again on uninstall', async () => {
    await installInclude(home, bangerCfg);
    expect(statSync(join(home, '.ssh', 'config')).mode & 0o777).toBe(0o600);
    await uninstallInclude(home);
    expect(existsSync(join(home, '.ssh', 'config'))).toBe(false);
  });

  it('records what install created inside the block, so uninstall removes exactly that', async () => {
    const created = withInclude('', bangerCfg, { file: true, dir: true });
    expect(createdByInstall(created)).toEqual({ file: true, dir: true });
    expect(createdByInstall(withInclude('Host x\n', bangerCfg))).toEqual({ file: false, dir: false });
    expect(withoutInclude(created)).toBe('');
    // Markers count only at the start of a line.
    const quoted = `Host x\n  # not ours: ${BEGIN_MARKER}\n`;
    expect(hasBlock(quoted)).toBe(false);
    expect(withoutInclude(quoted)).toBe(quoted);
    const moved = `Host a\n${includeBlock(bangerCfg)}Host b\n`;
    expect(withoutInclude(moved)).toBe('Host a\nHost b\n');
  });

  it('install repoints an existing block when banger\'s config dir moved, keeping its place and notes', async () => {
    await installInclude(home, bangerCfg);
    writeFileSync(join(home, '.ssh', 'config'), `${readFileSync(join(home, '.ssh', 'config'), 'utf8')}Host z\n`);
    expect((await installInclude(home, '/elsewhere/ssh_config')).changed).toBe(true);
    const moved = readFileSync(join(home, '.ssh', 'config'), 'utf8');
    expect(moved).toContain('Include /elsewhere/ssh_config\n');
    expect(moved).not.toContain(bangerCfg);
    expect(createdByInstall(moved)).toEqual({ file: true, dir: true });
    expect((await installInclude(home, '/elsewhere/ssh_config')).changed).toBe(false);
    await uninstallInclude(home);
    expect(readFileSync(join(home, '.ssh', 'config'), 'utf8')).toBe('Host z\n');
  });

  it('pure helpers round-trip', () => {
    const c = 'Host x\n';
    expect(withoutInclude(withInclude(c, '/a b/cfg'))).toBe(c);
    expect(withInclude(c, '/a b/cfg')).toContain('Include "/a b/cfg"');
  });

  it('renders a Host *.vm block with banger key, known_hosts and proxy', () => {
    const text = renderSshConfig({
      keyPath: '/k/id_ed25519',
      knownHostsPath: '/k/known_hosts',
      proxyCommand: ['/usr/bin/node', '/opt/banger/cli.js', 'ssh-proxy'],
    });
    expect(text).toContain('Host *.vm\n');
    expect(text).toContain('IdentityFile /k/id_ed25519');
    expect(text).toContain('UserKnownHostsFile /k/known_hosts');
    expect(text).toContain('ProxyCommand /usr/bin/node /opt/banger/cli.js ssh-proxy %h %p');
  });
});
