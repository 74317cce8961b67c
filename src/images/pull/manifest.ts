import { InvalidInputError } from '../../errors/index.js';
import { badManifest, noPlatform } from './errors.js';

/** Manifest media types and the pure choices made on them (index → one platform's manifest). */

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** `linux/amd64` or `linux/arm64/v8`; undefined for anything else. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_]+$/.test(p))) return undefined;
  return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) };
}

/** A --platform value, or the typed error naming the form. Pure: the CLI checks it before starting a daemon. */
export function parsePlatformOption(text: string): Platform {
  const p = parsePlatform(text);
  if (!p) throw new InvalidInputError(`bad platform ${JSON.stringify(text)}`, { code: 'pull.bad_platform', hint: 'write it as OS/ARCH[/VARIANT], e.g. linux/amd64' });
  return p;
}

/**
 * A --platform value for an image banger will boot: the guests are x86_64
 * (the host's kernel and VMMs), so only linux/amd64 (any variant) can run.
 * Other platforms fail here, before a download, naming the default.
 */
export function parseBootablePlatform(text: string): Platform {
  const p = parsePlatformOption(text);
  if (p.os !== 'linux' || p.architecture !== 'amd64') {
    throw new InvalidInputError(`banger cannot boot a ${text} image: its guests are linux/amd64 (x86_64)`, {
      code: 'pull.platform_unsupported',
      hint: 'leave out --platform (linux/amd64 is the default), or pull the amd64 variant of the image',
    });
  }
  return p;
}

/**
 * The image config's own os/architecture must be the platform asked for: a
 * single-platform manifest says nothing about its platform, so an arm64-only
 * tag would otherwise import and then never boot.
 */
export function checkConfigPlatform(ref: string, config: Buffer, want: Platform): void {
  let parsed: { os?: unknown; architecture?: unknown };
  try {
    parsed = JSON.parse(config.toString('utf8')) as typeof parsed;
  } catch {
    throw badManifest(ref, 'its image config is not JSON');
  }
  const os = typeof parsed.os === 'string' ? parsed.os : undefined;
  const arch = typeof parsed.architecture === 'string' ? parsed.architecture : undefined;
  if ((os && os !== want.os) || (arch && arch !== want.architecture)) {
    throw new InvalidInputError(`image ${ref} is built for ${os ?? '?'}/${arch ?? '?'}, not ${formatPlatform(want)}`, {
      code: 'pull.platform_unsupported',
      hint: `banger boots ${formatPlatform(want)} images: pull a tag published for it`,
    });
  }
}

export function formatPlatform(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os ?? '?', p.architecture ?? '?', ...(p.variant ? [p.variant] : [])].join('/');
}

function descriptor(ref: string, v: unknown, what: string): Descriptor {
  const d = v as Partial<Descriptor> | null;
  if (typeof d !== 'object' || d === null || typeof d.digest !== 'string' || typeof d.size !== 'number' || typeof d.mediaType !== 'string') {
    throw badManifest(ref, `${what} is not a descriptor (mediaType, digest, size)`);
  }
  if (!DIGEST.test(d.digest)) throw badManifest(ref, `${what} has digest ${JSON.stringify(d.digest)}; only sha256 is supported`);
  if (!Number.isSafeInteger(d.size) || d.size < 0) throw badManifest(ref, `${what} has a bad size`);
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, ...(d.platform ? { platform: d.platform } : {}) };
}

/**
 * Reads a manifest body. The media type comes from the body's own field
 * when it has one (OCI makes it optional), else from the Content-Type the
 * registry sent.
 */
export function parseManifest(ref: string, body: Buffer, contentType: string | null): ImageManifest | ImageIndex {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw badManifest(ref, 'it is not JSON');
  }
  if (typeof json !== 'object' || json === null) throw badManifest(ref, 'it is not a JSON object');
  const m = json as { schemaVersion?: unknown; mediaType?: unknown; manifests?: unknown; layers?: unknown; config?: unknown };
  if (m.schemaVersion !== 2) throw badManifest(ref, `schemaVersion is ${JSON.stringify(m.schemaVersion)}, not 2`);
  const mediaType = typeof m.mediaType === 'string' ? m.mediaType : (contentType ?? '').split(';')[0]!.trim();
  if (Array.isArray(m.manifests) || mediaType === OCI_INDEX || mediaType === DOCKER_LIST) {
    if (!Array.isArray(m.manifests)) throw badManifest(ref, 'the index has no manifests list');
    return { kind: 'index', mediaType, manifests: m.manifests.map((d, i) => descriptor(ref, d, `manifests[${i}]`)) };
  }
  if (!Array.isArray(m.layers)) throw badManifest(ref, 'the manifest has no layers list');
  return {
    kind: 'manifest',
    mediaType,
    config: descriptor(ref, m.config, 'config'),
    layers: m.layers.map((d, i) => descriptor(ref, d, `layers[${i}]`)),
  };
}

/**
 * The index entry for `want`. A variant given is required to match; without
 * one, the first entry for os/architecture wins. Attestation entries
 * (platform unknown/unknown) never match.
 */
export function choosePlatform(ref: string, index: ImageIndex, want: Platform): Descriptor {
  const found = index.manifests.find((d) => {
    const p = d.platform;
    if (!p || p.os !== want.os || p.architecture !== want.architecture) return false;
    return want.variant === undefined || p.variant === want.variant;
  });
  if (found) return found;
  const available = [...new Set(index.manifests.filter((d) => d.platform && d.platform.os !== 'unknown').map((d) => formatPlatform(d.platform!)))];
  throw noPlatform(ref, formatPlatform(want), available);
}

/** Layer media types the import can unpack: tar, gzip and zstd, OCI or Docker. Foreign (non-distributable) layers are refused. */
export function layerSupported(mediaType: string): boolean {
  return /^application\/vnd\.(oci\.image\.layer\.v1\.tar|docker\.image\.rootfs\.diff\.tar)(\.gzip|\+gzip|\+zstd)?$/.test(mediaType);
}
