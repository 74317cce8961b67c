/**
 * Every command checks its own arguments before doing any work (issue 18,
 * item 4): through the built CLI, a bad path, archive or copy spec fails at
 * once, naming what is wrong, and no daemon is started for it (no socket,
 * no log, no default-image build). Then, against a real bangerd (stand-in
 * VMM), names the daemon must resolve (fork and restore sources, --image)
 * fail without making anything.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { CliRig } from '../../helpers/rig.js';

describe('arguments are checked before any work', () => {
  let rig: CliRig;
  let dir: string;

  beforeEach(() => {
    rig = new CliRig();
    dir = mkdtempSync(join(tmpdir(), 'bg-args-'));
  });
  afterEach(async () => {
    await rig.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the CLI and asserts it answered fast and started no daemon. */
  const refuse = async (args: string[]) => {
    const t0 = Date.now();
    const res = await rig.cli(args);
    const ms = Date.now() - t0;
    expect(res.code, res.stderr).not.toBe(0);
    expect(existsSync(rig.layout.daemonSocket), 'a daemon socket was made').toBe(false);
    expect(existsSync(rig.layout.daemonLog), 'a daemon log was written').toBe(false);
    expect(ms).toBeLessThan(5000);
    return res;
  };

  it('image import of a missing path names it, without a daemon or a default-image build', async () => {
    const res = await refuse(['image', 'import', '/nonexistent/rootfs.tar', '--name', 'x']);
    expect(res.stderr).toMatch(/^banger: import source \/nonexistent\/rootfs\.tar does not exist\n {2}hint: /);
  });

  it('image import with a name that cannot be an image name', async () => {
    const res = await refuse(['image', 'import', '/nonexistent.tar', '--name', 'bad name!']);
    expect(res.stderr).toMatch(/^banger: image name "bad name!" is not valid\n/);
  });

  it('image import of a file that is not a tar says so, and what was expected', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'just some text, not an archive\n'.repeat(40));
    const res = await refuse(['image', 'import', file, '--name', 'x']);
    expect(res.stderr).toContain(`not a tar archive: ${file}; expected an OCI layout tarball, \`docker save\` output or a rootfs tarball`);
    expect(res.stderr).not.toMatch(/Unexpected end of data/);
  });

  it('image import of a truncated tar says it is truncated, naming the entry', async () => {
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'big.bin'), Buffer.alloc(64 * 1024, 7));
    const tar = join(dir, 'rootfs.tar');
    execFileSync('tar', ['-cf', tar, '-C', src, 'big.bin']);
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, execFileSync('head', ['-c', '20000', tar]));
    const res = await refuse(['image', 'import', cut, '--name', 'x']);
    expect(res.stderr).toMatch(/truncated or corrupt tar archive: .*cut\.tar: entry "big\.bin" runs past the end of the file/);
  });

  it('image import of an empty file or a plain directory is refused the same way', async () => {
    const empty = join(dir, 'empty.tar');
    writeFileSync(empty, '');
    expect((await refuse(['image', 'import', empty, '--name', 'x'])).stderr).toContain(`not a tar archive: ${empty} (the file is empty)`);
    expect((await refuse(['image', 'import', dir, '--name', 'x'])).stderr).toContain('is a directory but not an OCI layout');
  });

  it('vm run with a missing repo or one that is not a git repository', async () => {
    expect((await refuse(['vm', 'run', '/nonexistent/repo', '--', 'true'])).stderr).toMatch(/workspace path \/nonexistent\/repo does not exist/);
    expect((await refuse(['vm', 'run', dir, '--', 'true'])).stderr).toContain(`${dir} is not inside a git repository`);
  });

  it('vm cp with no VM side, or a missing host source', async () => {
    expect((await refuse(['vm', 'cp', './a', './b'])).code).toBe(2);
    expect((await refuse(['vm', 'cp', join(dir, 'missing'), 'dev:/root/'])).stderr).toMatch(/missing/);
  });
});

describe.skipIf(requiresNetns() !== null)('names the daemon resolves are checked before anything is made (stand-in VMM)', () => {
  let d: NetnsDaemon;
  beforeAll(async () => {
    d = new NetnsDaemon({ tempPrefix: 'bga-', netnsTag: 'args' });
    await d.start();
  }, 60_000);
  afterAll(async () => {
    await d?.cleanup();
  }, 60_000);

  const vmCount = async () => {
    const parsed = JSON.parse((await d.cli(['vm', 'list', '--json'])).stdout) as unknown[] | { data: unknown[] };
    return (Array.isArray(parsed) ? parsed : parsed.data).length;
  };

  it('vm create --image with an unknown image, fork from an unknown source, restore of an unknown VM or snapshot', async () => {
    const image = await d.cli(['vm', 'create', '--name', 'a1', '--image', 'no-such-image']);
    expect(image.code).toBe(1);
    expect(image.stderr).toMatch(/no-such-image/);
    const fork = await d.cli(['vm', 'fork', 'no-such-vm', '--name', 'f1']);
    expect(fork.code).not.toBe(0);
    expect(fork.stderr).toMatch(/no-such-vm/);
    const restore = await d.cli(['vm', 'restore', 'no-such-vm', '--snapshot', 's1']);
    expect(restore.code).not.toBe(0);
    expect(restore.stderr).toMatch(/no-such-vm/);
    expect(await vmCount()).toBe(0);
  }, 60_000);

  it('bangerd checks an import source itself before building the default image (callers other than the CLI)', async () => {
    const client = await d.client();
    await expect(client.call('image.import', { name: 'imp', source: '/nonexistent.tar' })).rejects.toThrow(/import source \/nonexistent\.tar does not exist/);
    const notTar = join(d.temp.root, 'notes.txt');
    writeFileSync(notTar, 'text\n'.repeat(200));
    await expect(client.call('image.import', { name: 'imp', source: notTar })).rejects.toThrow(/not a tar archive/);
  }, 60_000);
});
