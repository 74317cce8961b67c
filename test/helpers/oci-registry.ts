import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestNetns } from './netns.js';

/**
 * A real registry for pull tests: Debian's docker-registry (the CNCF
 * distribution registry) serving on 127.0.0.1 inside the test's own network
 * namespace, with its storage in the test's temp dir; images go in with
 * skopeo, run in the same namespace, from OCI layouts the test writes.
 */

export const REGISTRY_ADDR = '127.0.0.1:5000';

export interface TestRegistry {
  /** host:port it listens on, inside the namespace. */
  addr: string;
  /** The registry's storage root (docker/registry/v2/...). */
  storage: string;
  /** Path of a blob's data file in the registry's storage (to tamper with it). */
  blobData(digest: string): string;
  stop(): Promise<void>;
}

export async function startRegistry(netns: TestNetns, dir: string, opts: { addr?: string; extraConfig?: Record<string, unknown> } = {}): Promise<TestRegistry> {
  const addr = opts.addr ?? REGISTRY_ADDR;
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const config = join(dir, 'config.yml');
  // JSON is YAML.
  writeFileSync(config, JSON.stringify({ version: 0.1, log: { level: 'warn' }, storage: { filesystem: { rootdirectory: storage } }, http: { addr }, ...opts.extraConfig }));
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netns.name, 'docker-registry', 'serve', config], { stdio: ['ignore', log, log] });
  const stop = await waitForHttp(netns, child, `http://${addr}/v2/`, `docker-registry (see ${join(dir, 'registry.log')})`);
  return {
    addr,
    storage,
    blobData: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    stop,
  };
}

/** Waits until `url` answers (any HTTP status) from inside the namespace; returns the child's stop(). */
async function waitForHttp(netns: TestNetns, child: ChildProcess, url: string, what: string): Promise<() => Promise<void>> {
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = spawnSync('ip', ['netns', 'exec', netns.name, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', url], { encoding: 'utf8' });
    if (/^[1-5]\d\d$/.test(r.stdout)) return stop;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${what} did not start`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}

/**
 * A registry token server for Bearer tests, the way distribution's `auth:
 * token` expects one: ES256 JWTs whose x5c names a self-signed certificate
 * (made with openssl) that the registry trusts as its root bundle. Valid
 * Basic credentials get the scopes they ask for; anonymous callers get a
 * token with no access; wrong credentials get 401. Runs in the namespace
 * (a plain node script) and logs every token request as a JSON line.
 */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certPath: string;
  requests(): { user: string; scopes: string[]; service: string | null }[];
  stop(): Promise<void>;
}

const TOKEN_SERVER_JS = `
import { createServer } from 'node:http';
import { createPrivateKey, sign } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const key = createPrivateKey(readFileSync(cfg.keyPath));
const b64u = (b) => Buffer.from(b).toString('base64url');
createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const auth = req.headers.authorization ?? '';
  let user = '';
  if (auth.startsWith('Basic ')) {
    const text = Buffer.from(auth.slice(6), 'base64').toString();
    const i = text.indexOf(':');
    if (text.slice(0, i) !== cfg.user || text.slice(i + 1) !== cfg.pass) { res.writeHead(401); res.end(); return; }
    user = cfg.user;
  }
  const scopes = url.searchParams.getAll('scope');
  appendFileSync(cfg.log, JSON.stringify({ user, scopes, service: url.searchParams.get('service') }) + '\\n');
  const access = user ? scopes.map((s) => { const p = s.split(':'); return { type: p[0], name: p.slice(1, -1).join(':'), actions: p[p.length - 1].split(',') }; }) : [];
  const now = Math.floor(Date.now() / 1000);
  const head = { alg: 'ES256', typ: 'JWT', x5c: [cfg.certDer] };
  const claims = { iss: cfg.issuer, sub: user, aud: cfg.service, exp: now + 300, nbf: now - 10, iat: now, jti: String(Math.random()), access };
  const input = b64u(JSON.stringify(head)) + '.' + b64u(JSON.stringify(claims));
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ token: input + '.' + b64u(sig) }));
}).listen(cfg.port, '127.0.0.1');
`;

export async function startTokenServer(netns: TestNetns, dir: string, opts: { port: number; user: string; pass: string }): Promise<TokenServer> {
  mkdirSync(dir, { recursive: true });
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=banger-test-token'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  const certDer = new X509Certificate(readFileSync(certPath)).raw.toString('base64');
  const log = join(dir, 'requests.jsonl');
  writeFileSync(log, '');
  const service = 'banger-test-registry';
  const issuer = 'banger-test-issuer';
  const cfg = join(dir, 'token.json');
  writeFileSync(cfg, JSON.stringify({ ...opts, keyPath, certDer, log, service, issuer }));
  const script = join(dir, 'token-server.mjs');
  writeFileSync(script, TOKEN_SERVER_JS);
  const out = openSync(join(dir, 'token-server.log'), 'a');
  const child = spawn('ip', ['netns', 'exec', netns.name, process.execPath, script, cfg], { stdio: ['ignore', out, out] });
  const realm = `http://127.0.0.1:${opts.port}/token`;
  const stop = await waitForHttp(netns, child, realm, `the token server (see ${join(dir, 'token-server.log')})`);
  return {
    realm,
    service,
    issuer,
    certPath,
    requests: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { user: string; scopes: string[]; service: string | null }),
    stop,
  };
}

/** Copies an OCI layout (or one named image in it) into the registry with skopeo, from inside the namespace. */
export function skopeoPush(netns: TestNetns, layout: string, dest: string, opts: { all?: boolean; refName?: string; creds?: string; addr?: string } = {}): void {
  const args = [
    'netns', 'exec', netns.name, 'skopeo', '--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', '--preserve-digests',
    ...(opts.all ? ['--all'] : []),
    ...(opts.creds ? ['--dest-creds', opts.creds] : []),
    `oci:${layout}${opts.refName ? `:${opts.refName}` : ''}`,
    `docker://${opts.addr ?? REGISTRY_ADDR}/${dest}`,
  ];
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`skopeo copy to ${dest} failed: ${r.stderr || r.stdout}`);
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface LayoutImage {
  platform: { os: string; architecture: string; variant?: string };
  layers: Buffer[];
}

export interface WrittenImage {
  manifestDigest: string;
  layerDigests: string[];
  configDigest: string;
}

/**
 * Writes an OCI layout holding one image (index.json names its manifest)
 * or, with several, an image index of them; the top entry is tagged
 * `refName`. Layers are stored as plain tar.
 */
export function writeLayout(dir: string, refName: string, images: LayoutImage[]): { top: string; images: WrittenImage[] } {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const blob = (b: Buffer): string => {
    const d = sha(b);
    writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), b);
    return d;
  };
  const written: WrittenImage[] = [];
  const descs = images.map((img) => {
    const layers = img.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: blob(l), size: l.length }));
    const cfg = Buffer.from(
      JSON.stringify({ architecture: img.platform.architecture, os: img.platform.os, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blob(cfg), size: cfg.length },
        layers,
      }),
    );
    const md = blob(manifest);
    written.push({ manifestDigest: md, layerDigests: layers.map((l) => l.digest), configDigest: sha(cfg) });
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length, platform: img.platform };
  });
  let top: { mediaType: string; digest: string; size: number };
  if (descs.length === 1) {
    top = descs[0]!;
  } else {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descs }));
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: blob(index), size: index.length };
  }
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': refName } }] }),
  );
  return { top: top.digest, images: written };
}
