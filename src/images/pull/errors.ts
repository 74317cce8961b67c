import { HostError, InvalidInputError, NotFoundError } from '../../errors/index.js';

/**
 * The typed errors of `image pull`. Each names what failed and, in its hint,
 * the fix: a reference the user can correct, `docker login HOST`, a platform
 * the index has, or simply pulling again.
 */

export const REFERENCE_HINT = 'a reference looks like debian:bookworm, docker.io/library/debian:bookworm, ghcr.io/OWNER/REPO@sha256:… or localhost:5000/NAME:TAG';

export function badReference(ref: string, why: string): InvalidInputError {
  return new InvalidInputError(`bad image reference ${JSON.stringify(ref)}: ${why}`, { code: 'pull.bad_reference', hint: REFERENCE_HINT });
}

export function manifestNotFound(ref: string): NotFoundError {
  return new NotFoundError(`image ${ref} was not found in its registry`, {
    code: 'pull.not_found',
    hint: 'check the repository name and tag (a private repository also answers "not found" until you log in: docker login HOST)',
  });
}

export function unauthorized(host: string, ref: string, detail = ''): InvalidInputError {
  return new InvalidInputError(`the registry ${host} refused access to ${ref}${detail}`, {
    code: 'pull.unauthorized',
    hint: `log in with docker login ${host} (or podman login ${host}); banger reads ~/.docker/config.json and containers' auth.json`,
  });
}

export function noPlatform(ref: string, platform: string, available: string[]): NotFoundError {
  return new NotFoundError(`image ${ref} has no ${platform} variant (it has: ${available.length ? available.join(', ') : 'none'})`, {
    code: 'pull.no_platform',
    hint: available.length ? `pick one with --platform, or use an image built for ${platform}` : `use an image built for ${platform}`,
  });
}

export function digestMismatch(ref: string, want: string, got: string): InvalidInputError {
  return new InvalidInputError(`blob ${want} of ${ref} does not match its digest (got ${got}); nothing was kept`, {
    code: 'pull.digest_mismatch',
    hint: 'pull again; if it fails the same way the registry (or a proxy in front of it) serves corrupt data',
  });
}

export function badManifest(ref: string, why: string): InvalidInputError {
  return new InvalidInputError(`the registry's manifest for ${ref} is unusable: ${why}`, {
    code: 'pull.bad_manifest',
    hint: 'banger pulls OCI and Docker v2 (schema 2) images; an old schema 1 image has to be rebuilt or re-pushed',
  });
}

export function registryFailed(host: string, what: string, detail: string): HostError {
  return new HostError(`registry ${host}: ${what} failed: ${detail}`, {
    code: 'pull.registry_error',
    hint: 'check the network and the registry address, then pull again (finished layers are kept in the cache)',
  });
}
