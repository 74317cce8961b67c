/**
 * Smoke (issue 20): an image pulled from a registry boots and runs a
 * command. The image is what a user would push: Debian with systemd,
 * openssh-server and iproute2 and nothing of banger's (bootstrapped here with
 * mmdebstrap into a plain tarball), plus a second layer that adds a file and
 * whites one out. It is served by Debian's docker-registry on the loopback of
 * the rig's own namespace (where bangerd runs), pushed there with skopeo, and
 * pulled through the CLI like a user does.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_MIRROR, DEBIAN_SUITE } from '../../src/images/debian/build.js';
import { runMmdebstrap } from '../../src/images/debian/mmdebstrap.js';
import { skopeoPush, startRegistry, writeLayout, REGISTRY_ADDR, type TestRegistry } from '../helpers/oci-registry.js';
import { jsonData } from '../helpers/cli-json.js';
import { makeTar } from '../helpers/tar-fixtures.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { SmokeRig } from './smoke-rig.js';

const missing = firstMissing(
  missingRoot(),
  missingTun(),
  missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables', 'mmdebstrap', 'docker-registry', 'skopeo', 'curl'),
);

/** What a Dockerfile `FROM debian:bookworm` + `apt-get install systemd-sysv openssh-server iproute2` holds (apt adds dbus as a recommend). */
const USER_IMAGE_PACKAGES = ['systemd-sysv', 'openssh-server', 'iproute2', 'dbus'];
const REPO = 'smoke/debian-systemd';
const REF = `${REGISTRY_ADDR}/${REPO}:bookworm`;

describe.skipIf(skipReason(missing))('smoke: a pulled image boots', () => {
  let rig: SmokeRig;
  let work: string;
  let registry: TestRegistry | undefined;
  let manifestDigest: string;
  let blobs: string[] = [];

  beforeAll(async () => {
    rig = new SmokeRig({ tempPrefix: 'bgs-pull-', netnsTag: 'pull' });
    const built = await rig.buildDefaultImage();
    expect(built.code, rig.why(built)).toBe(0);

    work = mkdtempSync(join(tmpdir(), 'bgs-pull-img-'));
    const base = join(work, 'base.tar');
    // The test runner's own network (the rig's namespace has none); the .debs come from the shared test cache when present.
    await runMmdebstrap({
      mode: 'root',
      suite: DEBIAN_SUITE,
      mirror: DEBIAN_MIRROR,
      packages: USER_IMAGE_PACKAGES,
      target: base,
      cacheDir: join(process.env.BANGER_TEST_CACHE ?? join(tmpdir(), 'banger-test-cache'), 'banger'),
    });
    const top = await makeTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/pulled-marker', body: 'from the registry\n' },
      { name: 'etc/.wh.motd' },
    ]);
    const layout = join(work, 'layout');
    const written = writeLayout(layout, 'bookworm', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [readFileSync(base), top] }]);
    manifestDigest = written.images[0]!.manifestDigest;
    blobs = [manifestDigest, written.images[0]!.configDigest, ...written.images[0]!.layerDigests];
    rmSync(base);

    registry = await startRegistry(rig.netns, join(work, 'registry'));
    skopeoPush(rig.netns, layout, `${REPO}:bookworm`, { refName: 'bookworm' });
    rmSync(layout, { recursive: true, force: true });
  }, 1_200_000);

  afterAll(async () => {
    await registry?.stop();
    await rig?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 300_000);

  it('image pull, then vm run --image: the guest is the pulled tree with banger network, sshd and agent', async () => {
    // Durations are printed for the record (figures for notes), never asserted: a timed test is a flaky test.
    const took: Record<string, string> = {};
    const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = Date.now();
      try {
        return await fn();
      } finally {
        took[what] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
      }
    };
    const pulled = await timed('pull', () => rig.cli(['image', 'pull', REF, '--name', 'pulled'], { timeoutMs: 900_000 }));
    expect(pulled.code, rig.why(pulled)).toBe(0);
    expect(pulled.stdout + pulled.stderr).toContain('pulled');

    const show = await rig.cli(['image', 'show', 'pulled', '--json']);
    expect(show.code, rig.why(show)).toBe(0);
    const image = jsonData<{ kernelArgs?: string; source?: { kind: string; reference?: string; digest?: string } }>(show.stdout);
    expect(image.kernelArgs).toContain('init=/lib/systemd/systemd');
    expect(image.source).toMatchObject({ kind: 'pull', digest: manifestDigest });
    expect(image.source?.reference).toContain(`${REPO}:bookworm`);

    const run = await timed('vm run (cold boot + command + delete)', () => rig.cli(
      ['vm', 'run', '--rm', '--image', 'pulled', '--', 'sh', '-c', '. /etc/os-release && echo "id=$ID" && cat /etc/pulled-marker && test ! -e /etc/motd && echo no-motd && ip -4 route show default'],
      { timeoutMs: 600_000 },
    ));
    expect(run.code, rig.why(run)).toBe(0);
    expect(run.stdout).toContain('id=debian\n');
    expect(run.stdout).toContain('from the registry\n');
    expect(run.stdout).toContain('no-motd\n');
    expect(run.stdout).toMatch(/^default via \d+\.\d+\.\d+\.\d+ dev eth0/m);

    // A long-lived VM of it: ssh works, systemd came up, and vm stop is a clean power-off (the ACPI button reaches logind), not a kill.
    const created = await timed('vm create (warm)', () => rig.cli(['vm', 'create', '--name', 'pv', '--image', 'pulled'], { timeoutMs: 600_000 }));
    expect(created.code, rig.why(created)).toBe(0);
    const ssh = await rig.cli(['vm', 'ssh', 'pv', '--', 'sh', '-c', 'hostname; systemctl is-system-running --wait; systemctl is-active banger-net banger-agent ssh'], { timeoutMs: 300_000 });
    expect(ssh.code, rig.why(ssh)).toBe(0);
    expect(ssh.stdout).toMatch(/^pv\n(running|degraded)\nactive\nactive\nactive\n$/);
    const stopped = await timed('vm stop', () => rig.cli(['vm', 'stop', 'pv'], { timeoutMs: 120_000 }));
    expect(stopped.code, rig.why(stopped)).toBe(0);
    const logs = await rig.cli(['vm', 'logs', 'pv', '--tail', '60'], { timeoutMs: 30_000 });
    expect(logs.stdout).toMatch(/reboot: Power down/);
    expect((await rig.cli(['vm', 'delete', 'pv'], { timeoutMs: 120_000 })).code).toBe(0);

    // The same digest again: nothing downloaded, nothing imported, the same image.
    const again = await timed('pull again (no-op)', () => rig.cli(['image', 'pull', REF, '--name', 'pulled'], { timeoutMs: 120_000 }));
    expect(again.code, rig.why(again)).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/up to date|already pulled/);
    const list = await rig.cli(['image', 'list', '--json']);
    expect(jsonData<{ name: string }[]>(list.stdout).filter((i) => i.name === 'pulled')).toHaveLength(1);

    // Deleting it frees its blobs in the cache (shared with the other tiers' runs, so nothing of this run's may stay).
    const cached = (d: string) => existsSync(join(rig.temp.env.XDG_CACHE_HOME!, 'banger', 'oci', 'blobs', 'sha256', d.slice(7)));
    expect(blobs.every(cached)).toBe(true);
    const deleted = await rig.cli(['image', 'delete', 'pulled']);
    expect(deleted.code, rig.why(deleted)).toBe(0);
    expect(blobs.filter(cached)).toEqual([]);

    expect(rig.vmmProcesses()).toEqual([]);
    expect((await rig.cli(['daemon', 'stop'])).code).toBe(0);
    console.info(`pulled-image timings: ${Object.entries(took).map(([k, v]) => `${k} ${v}`).join('; ')}`);
    expect(rig.links().filter((l) => /tap/.test(l))).toEqual([]);
  }, 1_800_000);
});
