import { badReference } from './errors.js';

/**
 * An image reference as docker and podman read it: [HOST[:PORT]/]PATH[:TAG][@DIGEST].
 * The first path component is a host when it has a dot or a colon or is
 * `localhost`; otherwise the image is on Docker Hub, whose one-component
 * names live under `library/` and whose API is served by registry-1.docker.io.
 * Pure: no I/O.
 */
export interface ImageReference {
  /** The registry as the user names it (docker.io for Docker Hub): the key for credentials and messages. */
  registry: string;
  /** Host[:port] the API is called on. */
  apiHost: string;
  /** Repository path, e.g. library/debian. */
  repository: string;
  tag?: string;
  /** sha256:<64 hex> when the reference pins one. */
  digest?: string;
  /** Tag or digest to ask the manifest endpoint for (the digest wins when both are given). */
  lookup: string;
  /** Canonical text: registry/repository[:tag][@digest]. */
  canonical: string;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

export function parseReference(ref: string): ImageReference {
  const text = ref.trim();
  if (text === '') throw badReference(ref, 'it is empty');
  if (/\s/.test(text)) throw badReference(ref, 'it contains whitespace');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw badReference(ref, 'leave out the scheme (https://)');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw badReference(ref, `the digest must be sha256: and 64 lowercase hex digits, not ${JSON.stringify(digest)}`);
  }

  let registry = DOCKER_HUB;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      if (!HOST.test(first)) throw badReference(ref, `${JSON.stringify(first)} is not a registry host`);
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw badReference(ref, `the tag ${JSON.stringify(tag)} is not valid (letters, digits, _ . -; at most 128)`);
  }

  if (rest === '') throw badReference(ref, 'it names no repository');
  const parts = rest.split('/');
  for (const p of parts) {
    if (!COMPONENT.test(p)) {
      throw badReference(ref, p === '' ? 'the repository has an empty path component' : `the repository component ${JSON.stringify(p)} must be lowercase letters and digits, separated by . _ __ or -`);
    }
  }

  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API) registry = DOCKER_HUB;
  const repository = registry === DOCKER_HUB && parts.length === 1 ? `library/${rest}` : rest;
  if (repository.length > 255) throw badReference(ref, 'the repository name is longer than 255 characters');
  if (!tag && !digest) tag = 'latest';

  const apiHost = registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
  const canonical = `${registry}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { registry, apiHost, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), lookup: digest ?? tag!, canonical };
}

/**
 * Registries spoken to over plain HTTP: only the local machine's
 * (localhost, 127.0.0.0/8, [::1]), as docker does by default.
 */
export function isLocalRegistry(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
