import { randomInt } from 'node:crypto';
import { ConflictError, InvalidInputError } from '../errors/index.js';

/**
 * VM names become DNS labels (`NAME.vm`) and hostnames, so they follow RFC 1123
 * label rules, lowercase only: 1-63 chars of [a-z0-9-], not starting or ending
 * with a hyphen.
 */
export const VM_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const VM_NAME_MAX = 63;

/** Returns null when valid, else a one-line reason that names the fix. */
export function vmNameProblem(name: string): string | null {
  if (name.length === 0) return 'VM name is empty; use letters, digits and hyphens, e.g. "dev-1"';
  if (name.length > VM_NAME_MAX) {
    return `VM name is ${name.length} characters; the limit is ${VM_NAME_MAX} (it becomes a DNS label)`;
  }
  if (/[A-Z]/.test(name) && VM_NAME_PATTERN.test(name.toLowerCase())) {
    return `VM name "${name}" has uppercase letters; use "${name.toLowerCase()}"`;
  }
  if (!VM_NAME_PATTERN.test(name)) {
    return `VM name ${JSON.stringify(name)} is not a DNS label; use lowercase letters, digits and inner hyphens, e.g. "dev-1"`;
  }
  return null;
}

/** Image names: 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit. */
const IMAGE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;

/** A name as quoted in an error: clipped, since the RPC accepts strings of megabytes and an error must stay one readable line. */
function quoted(name: string): string {
  return name.length <= 80 ? JSON.stringify(name) : `${JSON.stringify(name.slice(0, 64))}… (${name.length} characters)`;
}

/** Throws when `name` cannot be an image name; shared by bangerd and the CLI, which checks before starting a daemon. */
export function checkImageName(name: string): void {
  if (!IMAGE_NAME.test(name)) {
    throw new InvalidInputError(`image name ${quoted(name)} is not valid`, {
      code: 'image.name_invalid',
      hint: 'use 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    });
  }
}

export function isValidVmName(name: string): boolean {
  return vmNameProblem(name) === null;
}

const ADJECTIVES = [
  'amber', 'bold', 'brisk', 'calm', 'clever', 'crisp', 'dusty', 'eager', 'fancy', 'gentle',
  'happy', 'hazy', 'jolly', 'keen', 'lively', 'lucky', 'mellow', 'misty', 'nimble', 'quiet',
  'rapid', 'rusty', 'shiny', 'silent', 'snowy', 'steady', 'sunny', 'swift', 'tidy', 'witty',
] as const;
const NOUNS = [
  'badger', 'beacon', 'brook', 'cedar', 'comet', 'falcon', 'fern', 'harbor', 'heron', 'island',
  'lark', 'maple', 'meadow', 'otter', 'pebble', 'pine', 'quarry', 'raven', 'reef', 'river',
  'sparrow', 'spruce', 'summit', 'thistle', 'tiger', 'valley', 'walrus', 'willow', 'wren', 'yak',
] as const;

/**
 * A friendly name for an unnamed VM, e.g. "brisk-otter". `taken` lets the caller
 * avoid collisions; after a few tries a numeric suffix guarantees uniqueness.
 */
export function friendlyName(taken: (name: string) => boolean = () => false, rand: (max: number) => number = randomInt): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const name = `${ADJECTIVES[rand(ADJECTIVES.length)]}-${NOUNS[rand(NOUNS.length)]}`;
    if (!taken(name)) return name;
  }
  for (let n = 2; ; n++) {
    const name = `${ADJECTIVES[rand(ADJECTIVES.length)]}-${NOUNS[rand(NOUNS.length)]}-${n}`;
    if (!taken(name)) return name;
  }
}

/** The one answer to a create that reuses a name (the service checks first; the store's unique index is the backstop). */
export function vmNameTaken(name: string): ConflictError {
  return new ConflictError(`a VM named "${name}" already exists`, { code: 'vm.exists', hint: `pick another --name, or delete it first: banger vm delete ${name}` });
}
