import { describe, expect, it } from 'vitest';
import type { Image, ImageSource } from '../../../../src/model/index.js';
import { makeImage } from '../../../helpers/fixtures.js';
import { runScriptedCli } from '../../../helpers/scripted-cli.js';

/**
 * Where an image came from, as `image show`, `image list` and `image pull`
 * print it (issue 20): argv through the real command registry, the daemon a
 * fake client answering per method.
 */

/** The daemon answers each method with a fixed value. */
const cli = (argv: string[], answers: Record<string, unknown>) => runScriptedCli(argv, Object.fromEntries(Object.entries(answers).map(([m, v]) => [m, () => v])));

const digest = `sha256:${'ab'.repeat(32)}`;
const pulled: ImageSource = { kind: 'pull', reference: 'docker.io/library/debian:bookworm', digest, platform: 'linux/amd64', indexDigest: `sha256:${'cd'.repeat(32)}` };
const image = (name: string, source: ImageSource, over: Partial<Image> = {}): Image => makeImage({ name, profile: source.kind === 'profile' ? source.profile : 'imported', source, ...over });

describe('image provenance in the CLI (issue 20)', () => {
  it.each([
    ['a built image', { kind: 'profile', profile: 'minimal' }, 'profile minimal'],
    ['an import', { kind: 'import', path: '/home/u/x.tar', format: 'docker' }, 'import /home/u/x.tar (docker)'],
    ['an import from before v6', { kind: 'import' }, 'import (source not recorded)'],
    ['a pull', pulled, `pull docker.io/library/debian:bookworm@${digest} (linux/amd64)`],
    ['a pull of a pinned index', { ...pulled, reference: `ghcr.io/o/r@sha256:${'cd'.repeat(32)}` }, `pull ghcr.io/o/r@${digest} (linux/amd64)`],
  ] as const)('image show prints a source line for %s, and --json has it', async (_what, source, line) => {
    const shown = image('x', source);
    const r = await cli(['image', 'show', 'x'], { 'image.show': shown });
    expect(r.code).toBe(0);
    expect(r.out.split('\n').find((l) => l.startsWith('source:'))?.replace(/^source:\s+/, '')).toBe(line);
    const j = await cli(['image', 'show', 'x', '--json'], { 'image.show': shown });
    expect((JSON.parse(j.out) as { data: Image }).data.source).toEqual(source);
  });

  it('image list has a short SOURCE column', async () => {
    const images = [
      image('minimal', { kind: 'profile', profile: 'minimal' }),
      image('debian-bookworm', pulled),
      image('pinned', { ...pulled, reference: `ghcr.io/o/tool@${digest}` }),
      image('tarball', { kind: 'import', path: '/x.tar', format: 'tar' }),
    ];
    const r = await cli(['image', 'list'], { 'image.list': images });
    const rows = r.out.trim().split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows[0]!.slice(0, 3).map((h) => h.toLowerCase())).toEqual(['name', 'profile', 'source']);
    expect(rows.slice(1).map((c) => c[2])).toEqual(['minimal', 'pull debian:bookworm', 'pull ghcr.io/o/tool@abababababab', 'import']);
  });

  it('image pull says when the digest was pulled already; --json is the image either way', async () => {
    const existing = image('debian-bookworm', pulled);
    const same = await cli(['image', 'pull', 'debian:bookworm'], { 'image.pull': { image: existing, unchanged: true } });
    expect(same.out.trim()).toBe(`image debian-bookworm is up to date (${digest})`);
    const renamed = await cli(['image', 'pull', 'debian:bookworm', '--name', 'deb'], { 'image.pull': { image: existing, unchanged: true } });
    expect(renamed.out.trim()).toBe(`image debian-bookworm is up to date (${digest}); not pulled again as deb (one image per digest)`);
    const fresh = await cli(['image', 'pull', 'debian:bookworm'], { 'image.pull': { image: existing, unchanged: false } });
    expect(fresh.out.trim()).toBe('pulled debian-bookworm');
    const j = await cli(['image', 'pull', 'debian:bookworm', '--json'], { 'image.pull': { image: existing, unchanged: true } });
    expect((JSON.parse(j.out) as { data: Image }).data).toEqual(existing);
  });
});
