import type { ImageProfile, ImageSource } from './types.js';

/**
 * Provenance of images (ImageSource): the value derived for rows made before
 * it was recorded, and its renderings for `image show`, `image list` and
 * doctor. Pure.
 */

/**
 * The source of an image row without one (schema v5 and older), from its
 * profile. Derived on every read rather than written back: the row then still
 * says "not recorded", and a later banger that learns more is free to.
 */
export function legacyImageSource(profile: ImageProfile): ImageSource {
  return profile === 'imported' ? { kind: 'import' } : { kind: 'profile', profile };
}

/** `profile minimal`, `import /x.tar (docker)`, `pull docker.io/library/debian:bookworm@sha256:… (linux/amd64)`. */
export function formatImageSource(source: ImageSource): string {
  switch (source.kind) {
    case 'profile':
      return `profile ${source.profile}`;
    case 'import':
      if (source.path === undefined) return 'import (source not recorded)';
      return `import ${source.path}${source.format ? ` (${source.format})` : ''}`;
    case 'pull':
      // The manifest digest is what was imported; a digest the reference pinned (maybe an index's) is in indexDigest or equal to it.
      return `pull ${withoutDigest(source.reference)}@${source.digest} (${source.platform})`;
  }
}

/** The short form for a table column: `minimal`, `import`, `pull debian:bookworm`. */
export function shortImageSource(source: ImageSource): string {
  switch (source.kind) {
    case 'profile':
      return source.profile;
    case 'import':
      return 'import';
    case 'pull': {
      const name = source.reference.replace(/^docker\.io\/(library\/)?/, '');
      const at = name.indexOf('@');
      // Tagged: the tag says it; pinned only: 12 hex digits are enough to tell digests apart in a list.
      if (at < 0) return `pull ${name}`;
      const base = name.slice(0, at);
      return base.lastIndexOf(':') > base.lastIndexOf('/') ? `pull ${base}` : `pull ${base}@${name.slice(at + 1 + 'sha256:'.length, at + 1 + 'sha256:'.length + 12)}`;
    }
  }
}

function withoutDigest(reference: string): string {
  const at = reference.indexOf('@');
  return at < 0 ? reference : reference.slice(0, at);
}
