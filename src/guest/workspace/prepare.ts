import { chmod, copyFile, cp, lstat, mkdir, mkdtemp, readlink, realpath, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { InvalidInputError, NotFoundError } from '../../errors/index.js';
import type { WorkspacePrepareMode, WorkspacePrepareResult } from '../../model/index.js';
import { nowIso } from '../../model/index.js';
import { symlinkOnPath } from '../symlink-guard.js';
import { runGit, splitNul, type GitRunner } from './git.js';

/**
 * Workspace preparation: turns a host git repository into a directory tree that
 * is copied to `/root/<repo name>` in the guest.
 *
 * - `shallow_overlay` (default): a depth-1 clone of HEAD (so the guest has a
 *   real repo whose `git status` shows the user's uncommitted work), with the
 *   working tree's tracked changes and untracked, non-ignored files laid over it.
 * - `full_copy`: the repository directory as it is, `.git` and ignored files included.
 * - `metadata_only`: nothing is copied; only the metadata is recorded.
 */

export interface PrepareOptions {
  mode?: WorkspacePrepareMode;
  vmId: string;
  git?: GitRunner;
  /** Where staging dirs go; defaults to the OS temp dir. */
  tmpRoot?: string;
}

export interface PreparedWorkspace {
  result: WorkspacePrepareResult;
  /** Directory whose contents become /root/<repoName>; absent for metadata_only. */
  stagingDir?: string;
  /** Files staged (relative paths), for progress and tests. */
  fileCount: number;
  /** Removes the staging dir. Idempotent. */
  cleanup(): Promise<void>;
}

const REPO_NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

export async function prepareWorkspace(sourcePath: string, opts: PrepareOptions): Promise<PreparedWorkspace> {
  const git = opts.git ?? runGit;
  const mode = opts.mode ?? 'shallow_overlay';
  const abs = resolve(sourcePath);
  try {
    await stat(abs);
  } catch {
    throw new NotFoundError(`workspace path ${abs} does not exist`, { hint: 'pass the path of a git repository, e.g. banger vm run ./my-repo' });
  }
  let repoRoot: string;
  try {
    repoRoot = (await git(abs, ['rev-parse', '--show-toplevel'])).trim();
  } catch {
    throw new InvalidInputError(`${abs} is not inside a git repository`, { hint: 'run git init there, or pass the path of a git repository' });
  }
  repoRoot = await realpath(repoRoot);
  const repoName = basename(repoRoot);
  if (!REPO_NAME_PATTERN.test(repoName)) {
    throw new InvalidInputError(`repository directory name ${JSON.stringify(repoName)} cannot be used as a guest path`, {
      hint: 'rename the directory to letters, digits, dots, dashes and underscores',
    });
  }
  if (await hasSubmodules(git, repoRoot)) {
    throw new InvalidInputError(`${repoRoot} has git submodules, which banger cannot copy yet`, {
      hint: 'run the command on a checkout without submodules, or copy the files yourself with banger vm ssh',
    });
  }
  const headCommit = await optionalGit(git, repoRoot, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  const currentBranch = await optionalGit(git, repoRoot, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const result: WorkspacePrepareResult = {
    vmId: opts.vmId,
    sourcePath: abs,
    repoRoot,
    repoName,
    guestPath: `/root/${repoName}`,
    mode,
    ...(headCommit ? { headCommit } : {}),
    ...(currentBranch ? { currentBranch } : {}),
    preparedAt: nowIso(),
  };
  if (mode === 'metadata_only') {
    return { result, fileCount: 0, cleanup: async () => {} };
  }
  const stagingParent = await mkdtemp(join(opts.tmpRoot ?? tmpdir(), 'banger-ws-'));
  const stagingDir = join(stagingParent, repoName);
  const cleanup = async (): Promise<void> => {
    await rm(stagingParent, { recursive: true, force: true });
  };
  try {
    const fileCount =
      mode === 'full_copy' ? await stageFullCopy(repoRoot, stagingDir) : await stageShallowOverlay(git, repoRoot, stagingDir, headCommit);
    return { result, stagingDir, fileCount, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function hasSubmodules(git: GitRunner, repoRoot: string): Promise<boolean> {
  // Gitlinks (mode 160000) in the index are submodules whether or not .gitmodules exists.
  const out = await git(repoRoot, ['ls-files', '--stage', '-z']);
  return splitNul(out).some((line) => line.startsWith('160000 '));
}

async function optionalGit(git: GitRunner, cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const out = (await git(cwd, args)).trim();
    return out.length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

async function stageFullCopy(repoRoot: string, stagingDir: string): Promise<number> {
  let count = 0;
  // verbatimSymlinks: copy links as links; never follow them out of the repo.
  await cp(repoRoot, stagingDir, {
    recursive: true,
    verbatimSymlinks: true,
    filter: () => {
      count++;
      return true;
    },
  });
  return count;
}

async function stageShallowOverlay(git: GitRunner, repoRoot: string, stagingDir: string, headCommit: string | undefined): Promise<number> {
  if (headCommit) {
    // file:// forces the real transport so --depth is honoured (a plain path makes a local hardlinked clone).
    await git(dirname(stagingDir), ['clone', '--quiet', '--depth', '1', '--no-tags', `file://${repoRoot}`, stagingDir]);
  } else {
    await mkdir(stagingDir, { recursive: true });
    await git(stagingDir, ['init', '--quiet']);
  }
  // Tracked files (with working-tree modifications) plus untracked files that are not ignored.
  const listed = splitNul(await git(repoRoot, ['ls-files', '--cached', '--others', '--exclude-standard', '-z']));
  const deleted = new Set(splitNul(await git(repoRoot, ['ls-files', '--deleted', '-z'])));
  let count = 0;
  for (const rel of listed) {
    if (deleted.has(rel)) continue;
    await copyEntry(repoRoot, stagingDir, rel);
    count++;
  }
  for (const rel of deleted) {
    await rm(join(stagingDir, rel), { force: true });
  }
  return count;
}

/** Copies one repo-relative entry, keeping symlinks as links and refusing paths that leave the repo. */
async function copyEntry(repoRoot: string, stagingDir: string, rel: string): Promise<void> {
  const src = join(repoRoot, rel);
  const dst = join(stagingDir, rel);
  const back = relative(repoRoot, src);
  if (back.startsWith('..') || back.split(sep).includes('..')) {
    throw new InvalidInputError(`workspace entry ${JSON.stringify(rel)} lies outside the repository`, { hint: 'remove it from the index' });
  }
  // An index entry under a directory that the working tree replaced with a symlink (git still lists it):
  // following it would read outside the repo, and the link itself is staged as a link. Also never write
  // through a link already staged: rm and copyFile would act on the host path it points to.
  if ((await symlinkOnPath(repoRoot, rel)) !== undefined || (await symlinkOnPath(stagingDir, rel)) !== undefined) return;
  let st;
  try {
    st = await lstat(src);
  } catch {
    return; // vanished between listing and copying: nothing to copy
  }
  await mkdir(dirname(dst), { recursive: true });
  // Remove what the clone put there first: writing through a link the clone made would follow it.
  await rm(dst, { force: true, recursive: true });
  if (st.isSymbolicLink()) {
    // Stored as a link, resolved inside the guest; its target is never read on the host.
    await symlink(await readlink(src), dst);
  } else if (st.isFile()) {
    await copyFile(src, dst);
    await chmod(dst, st.mode & 0o7777);
  }
}
