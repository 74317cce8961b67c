import type { FixtureEntry } from './tar-fixtures.js';

/**
 * The hostile-archive set of `image import`, shared by the import test (as
 * rootfs tarballs) and the pull test (served by a registry as layers): each
 * case is refused naming the entry. `/HOST` in a linkname stands for a real
 * host directory the test makes (withHostTarget), which must stay empty.
 */
export const HOSTILE_ARCHIVES: [string, FixtureEntry[], RegExp][] = [
  ['a ../ entry', [{ name: '../evil', body: 'x' }], /entry "\.\.\/evil" has a path that climbs out of the root/],
  ['a nested ../ escape', [{ name: 'etc/../../evil', body: 'x' }], /entry "etc\/\.\.\/\.\.\/evil" has a path that climbs out/],
  [
    'a file written through a symlink escaping the root',
    [{ name: 'esc', type: 'symlink', linkname: '../../../..' }, { name: 'esc/pwned', body: 'x' }],
    /entry "esc\/pwned" passes through the symlink esc -> \.\.\/\.\.\/\.\.\/\.\., which resolves outside the root/,
  ],
  [
    'a file written through an absolute symlink',
    [{ name: 'abs', type: 'symlink', linkname: '/HOST' }, { name: 'abs/pwned', body: 'x' }],
    /entry "abs\/pwned" passes through the absolute symlink abs -> \//,
  ],
  ['a hardlink out of the archive', [{ name: 'h', type: 'link', linkname: '../../etc/shadow' }], /entry "h" has a hardlink target that climbs out/],
  ['a hardlink to a missing file', [{ name: 'h', type: 'link', linkname: 'etc/shadow' }], /entry "h" is a hardlink to "etc\/shadow", which is not a file earlier/],
  ['a debugfs-hostile name', [{ name: 'etc/bad\nname', body: 'x' }], /entry "etc\/bad\\nname" has a name with control characters/],
];

/** The entries with `/HOST` replaced by the test's host directory. */
export function withHostTarget(entries: FixtureEntry[], hostTarget: string): FixtureEntry[] {
  return entries.map((e) => (e.linkname === '/HOST' ? { ...e, linkname: hostTarget } : e));
}
