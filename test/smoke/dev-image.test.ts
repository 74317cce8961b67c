/**
 * Smoke (issue 20): the dev profile, debian plus what a repository's build
 * and tests reach for. Built through the CLI like a user does, then
 * `vm run --image dev ./repo -- make test` in a real VM.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { SmokeRig } from './smoke-rig.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables', 'git', 'mmdebstrap'));

describe.skipIf(skipReason(missing))('smoke: the dev image', () => {
  let rig: SmokeRig;
  let repo: string;

  beforeAll(async () => {
    rig = new SmokeRig({ tempPrefix: 'bgs-dev-', netnsTag: 'dev' });
    const built = await rig.cli(['image', 'build', '--profile', 'dev', '--name', 'dev'], { timeoutMs: 900_000, hostNetwork: true });
    expect(built.code, rig.why(built)).toBe(0);
    expect(built.stdout).toMatch(/^built dev \(dev/m);
    await rig.cli(['daemon', 'stop'], { hostNetwork: true });
    repo = mkdtempSync(join(tmpdir(), 'bgs-dev-repo-'));
    const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'hello.c'), '#include <stdio.h>\nint main(void) { puts("built in the guest"); return 0; }\n');
    writeFileSync(join(repo, 'Makefile'), 'test: hello\n\t./hello\n\tpython3 -c "print(6 * 7)"\n');
    git('add', '.');
    git('commit', '-qm', 'first');
  }, 1_200_000);

  afterAll(async () => {
    if (repo) rmSync(repo, { recursive: true, force: true });
    await rig?.cleanup();
  }, 300_000);

  it('vm run --image dev: git and curl are there, and make test builds and runs a repo', async () => {
    const tools = await rig.cli(['vm', 'run', '--rm', '--image', 'dev', '--', 'sh', '-c', 'git --version && curl --version | head -1'], { timeoutMs: 600_000 });
    expect(tools.code, rig.why(tools)).toBe(0);
    expect(tools.stdout).toMatch(/^git version \d/m);
    expect(tools.stdout).toMatch(/^curl \d/m);

    const make = await rig.cli(['vm', 'run', '--rm', '--image', 'dev', repo, '--', 'make', 'test'], { timeoutMs: 600_000 });
    expect(make.code, rig.why(make)).toBe(0);
    expect(make.stdout).toContain('built in the guest\n');
    expect(make.stdout).toContain('42\n');
    expect(rig.vmmProcesses()).toEqual([]);
  }, 1_200_000);
});
