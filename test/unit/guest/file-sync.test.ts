import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guestRelative, stageFileSync } from '../../../src/guest/file-sync/index.js';

describe('stageFileSync', () => {
  let root: string;
  let home: string;
  let stage: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'banger-fs-'));
    home = join(root, 'home');
    stage = join(root, 'stage');
    mkdirSync(home);
    mkdirSync(stage);
    writeFileSync(join(home, '.gitconfig'), '[user]\n');
    mkdirSync(join(home, 'dots'));
    writeFileSync(join(home, 'dots', 'a'), 'a');
    symlinkSync('/etc/shadow', join(home, 'dots', 'shadow-link'));
    writeFileSync(join(root, 'outside-secret'), 'secret');
    symlinkSync(join(root, 'outside-secret'), join(home, 'escape'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('copies files 0600 and directories 0755 by default, links inside dirs as links', async () => {
    const out = await stageFileSync(
      [
        { host: '~/.gitconfig', guest: '~/.gitconfig' },
        { host: '~/dots', guest: 'dots' },
        { host: '~/missing', guest: '~/missing' },
      ],
      home,
      stage,
    );
    expect(statSync(join(stage, '.gitconfig')).mode & 0o777).toBe(0o600);
    expect(statSync(join(stage, 'dots')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(stage, 'dots', 'a'), 'utf8')).toBe('a');
    expect(readlinkSync(join(stage, 'dots', 'shadow-link'))).toBe('/etc/shadow');
    expect(out.copied.map((c) => c.guest)).toEqual(['/root/.gitconfig', '/root/dots']);
    expect(out.warnings).toEqual(['file_sync: ~/missing does not exist on the host; skipped']);
  });

  it('honours an explicit mode', async () => {
    await stageFileSync([{ host: '~/.gitconfig', guest: '/root/g', mode: '0644' }], home, stage);
    expect(statSync(join(stage, 'g')).mode & 0o777).toBe(0o644);
  });

  it('refuses a symlink that escapes the home, copying nothing', async () => {
    await expect(stageFileSync([{ host: '~/escape', guest: 'x' }], home, stage)).rejects.toThrow(/outside your home/);
    expect(existsSync(join(stage, 'x'))).toBe(false);
  });

  it('refuses host paths outside the home and guest paths outside /root', async () => {
    await expect(stageFileSync([{ host: '/etc/hostname', guest: 'h' }], home, stage)).rejects.toThrow(/outside your home/);
    expect(() => guestRelative('/etc/passwd')).toThrow(/outside \/root/);
    expect(() => guestRelative('../x')).toThrow(/climbs out/);
    expect(guestRelative('~/.ssh/config')).toBe('.ssh/config');
  });
});
