import { InvalidInputError } from '../../errors/index.js';

/**
 * Pure checks on archive entry names (DESIGN §5). An entry path is split
 * into clean segments relative to the image root; `..` is refused outright
 * (even when it would stay inside, it only ever appears in crafted archives),
 * an absolute path is taken relative to the root, and names the ext4 tools
 * cannot encode are refused by name.
 */

export class ImportRefusedError extends InvalidInputError {
  constructor(entry: string, why: string) {
    super(`import refused: entry ${JSON.stringify(entry)} ${why}`, {
      hint: 'the archive is unsafe or corrupt; rebuild it without that entry',
      code: 'image.import_refused',
    });
  }
}

const NAME_MAX = 255;
// Control characters (newline included) break debugfs/mkfs -d and are never legitimate in a rootfs.
 
const CONTROL = /[\x00-\x1f\x7f]/;

/** Splits an entry name into checked segments; [] is the root itself. Throws ImportRefusedError. */
export function entrySegments(name: string, what = 'path', entry = name): string[] {
  const segs: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw new ImportRefusedError(entry, `has a ${what} that climbs out of the root with ".."`);
    checkSegment(entry, seg);
    segs.push(seg);
  }
  return segs;
}

export function checkSegment(entry: string, seg: string): void {
  if (CONTROL.test(seg)) throw new ImportRefusedError(entry, 'has a name with control characters, which ext4 tooling cannot encode');
  if (Buffer.byteLength(seg) > NAME_MAX) throw new ImportRefusedError(entry, `has a name longer than ${NAME_MAX} bytes`);
}

export type Whiteout = { kind: 'opaque'; dir: string[] } | { kind: 'remove'; dir: string[]; name: string } | undefined;

/** OCI/Docker whiteouts: `.wh..wh..opq` makes the directory opaque, `.wh.NAME` deletes NAME from lower layers. */
export function whiteoutOf(segs: readonly string[]): Whiteout {
  const base = segs[segs.length - 1];
  if (!base?.startsWith('.wh.')) return undefined;
  const dir = segs.slice(0, -1);
  if (base === '.wh..wh..opq') return { kind: 'opaque', dir };
  const name = base.slice(4);
  if (!name || name === '.' || name === '..') return undefined;
  return { kind: 'remove', dir, name };
}
