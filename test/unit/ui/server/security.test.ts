import { describe, expect, it } from 'vitest';
import { authorityOf, checkRequest, loopbackProblem, newToken, parseCookies, tokenCookie, tokensEqual } from '../../../../src/ui/server/security.js';

const token = 'tok-abcdefghijklmnopqrstuvwxyz0123456789';
const cfg = { token, authority: '127.0.0.1:8080' };
const ok = { host: '127.0.0.1:8080', cookie: `banger_ui=${token}` };
const post = { ...ok, origin: 'http://127.0.0.1:8080', 'x-banger-ui': '1' };

describe('token and cookie helpers', () => {
  it('makes 32-byte base64url tokens, different each time', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(a);
  });

  it.each([
    [token, true],
    [`${token}x`, false],
    [token.slice(0, -1), false],
    ['', false],
  ])('tokensEqual(%j) is %s', (given, want) => expect(tokensEqual(given, token)).toBe(want));

  it('parses cookies: trims, unquotes, first name wins, skips junk', () => {
    const m = parseCookies(' a=1; b="two" ; junk; =x; a=3; banger_ui=t=k');
    expect(Object.fromEntries(m)).toEqual({ a: '1', b: 'two', banger_ui: 't=k' });
    expect(parseCookies(undefined).size).toBe(0);
  });

  it('sets an HttpOnly, SameSite=Strict cookie on Path=/', () => {
    expect(tokenCookie('t')).toBe('banger_ui=t; HttpOnly; SameSite=Strict; Path=/');
  });

  it('brackets IPv6 authorities', () => {
    expect(authorityOf('127.0.0.1', 1)).toBe('127.0.0.1:1');
    expect(authorityOf('::1', 1)).toBe('[::1]:1');
  });
});

describe('checkRequest', () => {
  it('allows a GET with the cookie and a POST with cookie, Origin and x-banger-ui', () => {
    expect(checkRequest({ method: 'GET', url: '/api/vms', headers: ok }, cfg)).toEqual({ kind: 'allow' });
    expect(checkRequest({ method: 'POST', url: '/api/vms', headers: post }, cfg)).toEqual({ kind: 'allow' });
    expect(checkRequest({ method: 'DELETE', url: '/api/vms/a', headers: post }, cfg)).toEqual({ kind: 'allow' });
  });

  it('exchanges a valid ?token= on a page load for the cookie (303 without the token)', () => {
    expect(checkRequest({ method: 'GET', url: `/vms/dev?token=${token}&x=1`, headers: { host: ok.host } }, cfg)).toEqual({
      kind: 'redirect',
      location: '/vms/dev?x=1',
      setCookie: tokenCookie(token),
      viaPage: false,
    });
  });

  it('a cross-site arrival (--open\'s file:// page) gets the cookie through a page of ours, not a 303 chain', () => {
    const d = checkRequest({ method: 'GET', url: `/?token=${token}`, headers: { host: ok.host, 'sec-fetch-site': 'cross-site' } }, cfg);
    expect(d).toMatchObject({ kind: 'redirect', location: '/', viaPage: true });
    expect(checkRequest({ method: 'GET', url: `/?token=${token}`, headers: { host: ok.host, 'sec-fetch-site': 'none' } }, cfg)).toMatchObject({ viaPage: false });
  });

  it('accepts ?token= on an API call without redirecting (curl)', () => {
    expect(checkRequest({ method: 'GET', url: `/api/vms?token=${token}`, headers: { host: ok.host } }, cfg)).toEqual({ kind: 'allow' });
  });

  it.each([
    ['no token', { method: 'GET', url: '/', headers: { host: ok.host } }],
    ['wrong token', { method: 'GET', url: '/?token=nope', headers: { host: ok.host } }],
    ['wrong token', { method: 'GET', url: '/', headers: { host: ok.host, cookie: 'banger_ui=nope' } }],
    ['wrong token', { method: 'GET', url: '/?token=nope', headers: ok }],
    ['wrong token', { method: 'GET', url: `/?token=${token}&token=${token}`, headers: { host: ok.host } }],
    ['wrong Host header', { method: 'GET', url: '/', headers: { ...ok, host: 'evil.example:8080' } }],
    ['wrong Host header', { method: 'GET', url: '/', headers: { ...ok, host: 'localhost.evil:8080' } }],
    ['wrong Host header', { method: 'GET', url: '/', headers: { ...ok, host: 'localhost:8080' } }],
    ['wrong Host header', { method: 'GET', url: '/', headers: { ...ok, host: '127.0.0.1:8081' } }],
    ['wrong Host header', { method: 'GET', url: '/', headers: { cookie: ok.cookie } }],
    ['cross-origin request', { method: 'POST', url: '/api/vms', headers: { ...post, origin: 'http://evil.example' } }],
    ['cross-origin request', { method: 'POST', url: '/api/vms', headers: { ...post, origin: 'null' } }],
    ['cross-origin request', { method: 'DELETE', url: '/api/vms/a', headers: { ...ok, 'x-banger-ui': '1' } }],
    ['missing x-banger-ui header', { method: 'POST', url: '/api/vms', headers: { ...ok, origin: post.origin } }],
    ['missing x-banger-ui header', { method: 'POST', url: '/api/vms', headers: { ...post, 'x-banger-ui': '0' } }],
    ['method OPTIONS not allowed', { method: 'OPTIONS', url: '/api/vms', headers: ok }],
  ])('denies: %s', (reason, req) => {
    expect(checkRequest(req, cfg)).toEqual({ kind: 'deny', reason });
  });

  it('checks Host before the token (a rebound name learns nothing about it)', () => {
    expect(checkRequest({ method: 'GET', url: '/', headers: { host: 'evil.example:8080', cookie: 'banger_ui=nope' } }, cfg)).toEqual({ kind: 'deny', reason: 'wrong Host header' });
  });
});

describe('loopbackProblem', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1'])('accepts %s', (h) => expect(loopbackProblem(h)).toBeNull());
  it.each(['0.0.0.0', '10.0.0.1', '192.168.1.1', 'localhost', '::', '256.0.0.1', 'example.com', '::ffff:127.0.0.1'])('refuses %s', (h) => expect(loopbackProblem(h)).toMatch(/not/));
});
