import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareWorkspace } from '../../../src/guest/workspace/index.js';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
}

describe('prepareWorkspace', () => {
  let root: string;
  let repo: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'banger-ws-test-'));
    repo = join(root, 'my-repo');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'committed.txt'), 'v1\n');
    writeFileSync(join(repo, 'to-delete.txt'), 'bye\n');
    writeFileSync(join(repo, '.gitignore'), 'ignored.log\n');
    writeFileSync(join(repo, 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(join(repo, 'run.sh'), 0o755);
    symlinkSync('/etc/passwd', join(repo, 'abs-link'));
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'init');
    writeFileSync(join(repo, 'committed.txt'), 'v2 uncommitted\n');
    writeFileSync(join(repo, 'new-untracked.txt'), 'new\n');
    writeFileSync(join(repo, 'ignored.log'), 'noise\n');
    rmSync(join(repo, 'to-delete.txt'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('shallow_overlay: HEAD clone plus uncommitted and untracked files, ignored and deleted left out', async () => {
    const ws = await prepareWorkspace(repo, { vmId: 'vm1', tmpRoot: root });
    try {
      const dir = ws.stagingDir!;
      expect(ws.result.mode).toBe('shallow_overlay');
      expect(ws.result.repoName).toBe('my-repo');
      expect(ws.result.guestPath).toBe('/root/my-repo');
      expect(ws.result.currentBranch).toBe('main');
      expect(ws.result.headCommit).toMatch(/^[0-9a-f]{40}$/);
      expect(readFileSync(join(dir, 'committed.txt'), 'utf8')).toBe('v2 uncommitted\n');
      expect(readFileSync(join(dir, 'new-untracked.txt'), 'utf8')).toBe('new\n');
      expect(existsSync(join(dir, 'ignored.log'))).toBe(false);
      expect(existsSync(join(dir, 'to-delete.txt'))).toBe(false);
      expect(statSync(join(dir, 'run.sh')).mode & 0o777).toBe(0o755);
      // Symlinks stay links; the host target is never copied.
      expect(readlinkSync(join(dir, 'abs-link'))).toBe('/etc/passwd');
      // The guest gets a real, shallow repo whose status shows the user's work.
      expect(git(dir, 'rev-list', '--count', 'HEAD').trim()).toBe('1');
      expect(git(dir, 'status', '--porcelain')).toContain('committed.txt');
    } finally {
      await ws.cleanup();
    }
    expect(existsSync(ws.stagingDir!)).toBe(false);
  });

  it('full_copy keeps .git and ignored files', async () => {
    const ws = await prepareWorkspace(repo, { vmId: 'vm1', mode: 'full_copy', tmpRoot: root });
    try {
      expect(existsSync(join(ws.stagingDir!, '.git', 'HEAD'))).toBe(true);
      expect(existsSync(join(ws.stagingDir!, 'ignored.log'))).toBe(true);
    } finally {
      await ws.cleanup();
    }
  });

  it('metadata_only records the repo without staging files', async () => {
    const ws = await prepareWorkspace(join(repo, '.'), { vmId: 'vm1', mode: 'metadata_only' });
    expect(ws.stagingDir).toBeUndefined();
    expect(ws.result.repoRoot.endsWith('my-repo')).toBe(true);
  });

  it('refuses a repository with submodules, naming the fix', async () => {
    const sub = join(root, 'sub');
    mkdirSync(sub);
    git(sub, 'init', '-q');
    writeFileSync(join(sub, 'x'), 'x');
    git(sub, 'add', '.');
    git(sub, 'commit', '-qm', 'x');
    git(repo, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub, 'vendored');
    await expect(prepareWorkspace(repo, { vmId: 'vm1', tmpRoot: root })).rejects.toThrow(/submodules/);
  });

  it('refuses a path outside any git repository', async () => {
    const plain = join(root, 'plain');
    mkdirSync(plain);
    await expect(prepareWorkspace(plain, { vmId: 'vm1' })).rejects.toThrow(/not inside a git repository/);
  });

  it('refuses a missing path', async () => {
    await expect(prepareWorkspace(join(root, 'nope'), { vmId: 'vm1' })).rejects.toThrow(/does not exist/);
  });
});
