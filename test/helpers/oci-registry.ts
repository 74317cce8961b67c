import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
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
  /** The registry's storage root (docker/registry/v2/...). */
  storage: string;
  /** Path of a blob's data file in the registry's storage (to tamper with it). */
  blobData(digest: string): string;
  stop(): Promise<void>;
}

export async function startRegistry(netns: TestNetns, dir: string, extraConfig: Record<string, unknown> = {}): Promise<TestRegistry> {
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const config = join(dir, 'config.yml');
  // JSON is YAML.
  writeFileSync(config, JSON.stringify({ version: 0.1, log: { level: 'warn' }, storage: { filesystem: { rootdirectory: storage } }, http: { addr: REGISTRY_ADDR }, ...extraConfig }));
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netns.name, 'docker-registry', 'serve', config], { stdio: ['ignore', log, log] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = spawnSync('ip', ['netns', 'exec', netns.name, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${REGISTRY_ADDR}/v2/`], { encoding: 'utf8' });
    if (r.stdout === '200' || r.stdout === '401') break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start (see ${join(dir, 'registry.log')})`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    storage,
    blobData: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Copies an OCI layout (or one named image in it) into the registry with skopeo, from inside the namespace. */
export function skopeoPush(netns: TestNetns, layout: string, dest: string, opts: { all?: boolean; refName?: string; creds?: string } = {}): void {
  const args = [
    'netns', 'exec', netns.name, 'skopeo', '--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', '--preserve-digests',
    ...(opts.all ? ['--all'] : []),
    ...(opts.creds ? ['--dest-creds', opts.creds] : []),
    `oci:${layout}${opts.refName ? `:${opts.refName}` : ''}`,
    `docker://${REGISTRY_ADDR}/${dest}`,
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
