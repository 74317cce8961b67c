/**
 * config [[file_sync]] lands on a new work disk (real mkfs.ext4 + debugfs, no
 * mount): files with their modes, a directory tree, root ownership; an
 * existing disk (user data) is never rewritten.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stageFileSync } from '../../../src/guest/file-sync/index.js';
import { createWorkDisk } from '../../../src/host/storage/index.js';
import { GiB } from '../../../src/model/index.js';
import { missingBinaries, skipReason } from '../../helpers/vmm-capabilities.js';

const missing = missingBinaries('mkfs.ext4', 'debugfs');
const root = mkdtempSync(join(tmpdir(), 'bgfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const debugfs = (image: string, request: string) => execFileSync('debugfs', ['-R', request, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe.skipIf(skipReason(missing))('work disk with file_sync entries', () => {
  it('copies staged files and trees onto a new disk, owned by root with the staged modes', async () => {
    const home = join(root, 'home');
    mkdirSync(join(home, 'bin'), { recursive: true });
    writeFileSync(join(home, '.gitconfig'), '[user]\n  name = dev\n');
    writeFileSync(join(home, 'bin', 'hello'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const staging = join(root, 'staging');
    mkdirSync(staging);
    const outcome = await stageFileSync(
      [
        { host: '~/.gitconfig', guest: '~/.gitconfig' },
        { host: '~/bin', guest: '~/tools' },
        { host: '~/missing', guest: '~/missing' },
      ],
      home,
      staging,
    );
    expect(outcome.warnings).toEqual(['file_sync: ~/missing does not exist on the host; skipped']);
    const disk = join(root, 'work.ext4');
    await createWorkDisk({ path: disk, sizeBytes: GiB / 4, populateFrom: staging });
    expect(debugfs(disk, 'cat /.gitconfig')).toBe('[user]\n  name = dev\n');
    expect(debugfs(disk, 'cat /tools/hello')).toBe('#!/bin/sh\necho hi\n');
    const st = debugfs(disk, 'stat /.gitconfig');
    expect(st).toMatch(/Mode:\s+0600/);
    expect(st).toMatch(/User:\s+0\s+Group:\s+0/);
    expect(debugfs(disk, 'stat /tools')).toMatch(/Type: directory\s+Mode:\s+0755/);
    expect(debugfs(disk, 'stat /tools/hello')).toMatch(/Mode:\s+0755/);
    // fsck finds a consistent filesystem after debugfs' writes.
    execFileSync('e2fsck', ['-fn', disk], { stdio: 'pipe' });

    // An existing disk is user data: a second create with other files leaves it alone.
    writeFileSync(join(staging, '.gitconfig'), 'changed\n');
    await createWorkDisk({ path: disk, sizeBytes: GiB / 4, populateFrom: staging });
    expect(debugfs(disk, 'cat /.gitconfig')).toBe('[user]\n  name = dev\n');
  }, 60_000);
});
