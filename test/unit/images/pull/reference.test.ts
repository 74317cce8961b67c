import { describe, expect, it } from 'vitest';
import { isLocalRegistry, parseReference } from '../../../../src/images/pull/reference.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('image references', () => {
  it.each([
    ['debian', 'docker.io', 'registry-1.docker.io', 'library/debian', 'latest', 'docker.io/library/debian:latest'],
    ['debian:bookworm', 'docker.io', 'registry-1.docker.io', 'library/debian', 'bookworm', 'docker.io/library/debian:bookworm'],
    ['docker.io/library/debian:bookworm', 'docker.io', 'registry-1.docker.io', 'library/debian', 'bookworm', 'docker.io/library/debian:bookworm'],
    ['index.docker.io/debian', 'docker.io', 'registry-1.docker.io', 'library/debian', 'latest', 'docker.io/library/debian:latest'],
    ['docker.io/debian', 'docker.io', 'registry-1.docker.io', 'library/debian', 'latest', 'docker.io/library/debian:latest'],
    ['user/app:1.0', 'docker.io', 'registry-1.docker.io', 'user/app', '1.0', 'docker.io/user/app:1.0'],
    ['localhost:5000/x:tag', 'localhost:5000', 'localhost:5000', 'x', 'tag', 'localhost:5000/x:tag'],
    ['localhost/x', 'localhost', 'localhost', 'x', 'latest', 'localhost/x:latest'],
    ['127.0.0.1:5000/a/b/c', '127.0.0.1:5000', '127.0.0.1:5000', 'a/b/c', 'latest', '127.0.0.1:5000/a/b/c:latest'],
    ['quay.io/o/r:v1.2_3-rc', 'quay.io', 'quay.io', 'o/r', 'v1.2_3-rc', 'quay.io/o/r:v1.2_3-rc'],
    ['[::1]:5000/x', '[::1]:5000', '[::1]:5000', 'x', 'latest', '[::1]:5000/x:latest'],
  ])('%s', (text, registry, apiHost, repository, tag, canonical) => {
    const r = parseReference(text);
    expect(r).toMatchObject({ registry, apiHost, repository, tag, lookup: tag, canonical });
    expect(r.digest).toBeUndefined();
  });

  it('a digest is looked up instead of any tag', () => {
    expect(parseReference(`ghcr.io/o/r@${D}`)).toEqual({ registry: 'ghcr.io', apiHost: 'ghcr.io', repository: 'o/r', digest: D, lookup: D, canonical: `ghcr.io/o/r@${D}` });
    const both = parseReference(`ghcr.io/o/r:v1@${D}`);
    expect(both).toMatchObject({ tag: 'v1', digest: D, lookup: D, canonical: `ghcr.io/o/r:v1@${D}` });
  });

  it.each([
    ['', /empty/],
    ['  ', /empty/],
    ['Debian', /lowercase/],
    ['debian:', /tag ""/],
    ['debian:-x', /tag/],
    [`debian:${'a'.repeat(129)}`, /tag/],
    ['debian@sha256:abc', /digest/],
    [`debian@md5:${'a'.repeat(32)}`, /digest/],
    ['https://ghcr.io/o/r', /scheme/],
    ['ghcr.io/', /no repository/],
    ['ghcr.io//r', /empty path component/],
    ['a b', /whitespace/],
    ['ghcr.io/o/r..x', /component/],
    ['-bad.io/x', /registry host/],
  ])('refuses %j', (text, why) => {
    expect(() => parseReference(text)).toThrow(why);
    try {
      parseReference(text);
    } catch (err) {
      expect(err).toMatchObject({ code: 'pull.bad_reference', kind: 'invalid' });
      expect((err as { hint: string }).hint).toMatch(/docker\.io\/library\/debian:bookworm/);
    }
  });

  it('only the local machine is a plain-HTTP registry', () => {
    for (const h of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.3.4.5', '[::1]:5000']) expect(isLocalRegistry(h)).toBe(true);
    for (const h of ['registry-1.docker.io', 'ghcr.io', '10.0.0.1:5000', 'localhost.example.com', '[::2]:5000']) expect(isLocalRegistry(h)).toBe(false);
  });
});
