import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authFilePaths, basicHeader, credentialsFromAuthFile, parseChallenge, parseTokenResponse, readCredentials, tokenUrl } from '../../../../src/images/pull/auth.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('WWW-Authenticate challenges', () => {
  it('reads a Bearer challenge (Docker Hub shape)', () => {
    const ch = parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull"');
    expect(ch).toEqual({ scheme: 'bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/debian:pull' });
    expect(tokenUrl(ch!, 'library/debian').toString()).toBe('https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fdebian%3Apull');
  });

  it('reads quoted commas, escapes, spaces and unquoted values; names the pull scope when none is given', () => {
    const ch = parseChallenge('bearer  realm = "http://t/x?a=1,b", service=reg , error="insufficient_scope", x="a\\"b"');
    expect(ch).toEqual({ scheme: 'bearer', realm: 'http://t/x?a=1,b', service: 'reg' });
    expect(tokenUrl(ch!, 'o/r').searchParams.get('scope')).toBe('repository:o/r:pull');
    expect(tokenUrl(ch!, 'o/r').searchParams.get('a')).toBe('1,b');
  });

  it('reads Basic and ignores other schemes', () => {
    expect(parseChallenge('Basic realm="basic-realm"')).toEqual({ scheme: 'basic', realm: 'basic-realm' });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
    expect(parseChallenge('')).toBeUndefined();
    expect(parseChallenge(null)).toBeUndefined();
    expect(() => tokenUrl({ scheme: 'bearer' }, 'x')).toThrow(/realm/);
  });

  it('takes token or access_token', () => {
    expect(parseTokenResponse({ token: 't1', access_token: 't2' })).toBe('t1');
    expect(parseTokenResponse({ access_token: 't2' })).toBe('t2');
    expect(parseTokenResponse({ token: '' })).toBeUndefined();
    expect(parseTokenResponse('x')).toBeUndefined();
    expect(parseTokenResponse(null)).toBeUndefined();
  });
});

describe('credentials from auth files', () => {
  const docker = {
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
      'ghcr.io': { auth: b64('gh:tok') },
      'https://quay.io': { auth: b64('q:p') },
      'reg.example:5000/team': { auth: b64('t:p') },
      'helper.example': {},
      'broken.example': { auth: b64('nocolon') },
    },
  };

  it.each([
    ['docker.io', { username: 'hubuser', password: 'hub:pass' }],
    ['ghcr.io', { username: 'gh', password: 'tok' }],
    ['quay.io', { username: 'q', password: 'p' }],
    ['reg.example:5000', { username: 't', password: 'p' }],
    ['helper.example', undefined],
    ['broken.example', undefined],
    ['other.example', undefined],
  ])('%s', (host, want) => {
    expect(credentialsFromAuthFile(docker, host)).toEqual(want);
  });

  it("podman's docker.io key counts for Docker Hub", () => {
    expect(credentialsFromAuthFile({ auths: { 'docker.io': { auth: b64('p:w') } } }, 'docker.io')).toEqual({ username: 'p', password: 'w' });
    expect(credentialsFromAuthFile({}, 'docker.io')).toBeUndefined();
    expect(credentialsFromAuthFile(null, 'docker.io')).toBeUndefined();
  });

  it('searches containers auth files before docker config', () => {
    expect(authFilePaths({ XDG_RUNTIME_DIR: '/run/user/7' }, '/home/u')).toEqual([
      '/run/user/7/containers/auth.json',
      '/home/u/.config/containers/auth.json',
      '/home/u/.docker/config.json',
    ]);
    expect(authFilePaths({ REGISTRY_AUTH_FILE: '/a.json', XDG_CONFIG_HOME: '/cfg', DOCKER_CONFIG: '/d' }, '/home/u')).toEqual(['/a.json', '/cfg/containers/auth.json', '/d/config.json']);
  });

  const dir = mkdtempSync(join(tmpdir(), 'banger-auth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the files in order, skipping missing and malformed ones', async () => {
    const bad = join(dir, 'bad.json');
    const podman = join(dir, 'auth.json');
    const dockerCfg = join(dir, 'config.json');
    writeFileSync(bad, '{nope');
    writeFileSync(podman, JSON.stringify({ auths: { 'ghcr.io': { auth: b64('first:1') } } }));
    writeFileSync(dockerCfg, JSON.stringify(docker));
    const paths = [join(dir, 'missing.json'), bad, podman, dockerCfg];
    expect(await readCredentials('ghcr.io', paths)).toEqual({ username: 'first', password: '1' });
    expect(await readCredentials('quay.io', paths)).toEqual({ username: 'q', password: 'p' });
    expect(await readCredentials('nowhere.example', paths)).toBeUndefined();
    expect(basicHeader({ username: 'a', password: 'b' })).toBe(`Basic ${b64('a:b')}`);
  });
});
