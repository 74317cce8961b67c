import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeUnmounted, type MountOps } from '../../../src/host/remove-unmounted.js';
import { createTempRoot, type TempRoot } from '../../helpers/index.js';

/** A mount table the test scripts: unmount takes a path off it unless it is stuck. */
function fakeMounts(initial: string[], stuck: string[] = []): MountOps & { unmounted: string[] } {
  let table = [...initial];
  const unmounted: string[] = [];
  return {
    unmounted,
    mountPoints: async () => [...table],
    unmount: async (p) => {
      unmounted.push(p);
      if (!stuck.includes(p)) table = table.filter((m) => m !== p);
    },
  };
}

describe('removing a scratch tree with mounts left in it', () => {
  let temp: TempRoot;
  let dir: string;
  beforeEach(() => {
    temp = createTempRoot('bgrmu-');
    dir = join(temp.root, 'scratch');
    mkdirSync(join(dir, 'rootfs', 'dev', 'shm'), { recursive: true });
    writeFileSync(join(dir, 'rootfs', 'file'), 'x');
  });
  afterEach(() => temp.remove());

  it('no mounts: removed, and nothing unmounted', async () => {
    const ops = fakeMounts(['/', '/proc', `${dir}-sibling`]);
    expect(await removeUnmounted(dir, ops)).toEqual({ removed: true, mounts: [] });
    expect(ops.unmounted).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('mounts inside are detached deepest first, then the tree goes', async () => {
    const inside = [`${dir}/rootfs/dev`, `${dir}/rootfs/dev/shm`, `${dir}/rootfs/proc`];
    const ops = fakeMounts(['/', ...inside]);
    expect(await removeUnmounted(dir, ops)).toEqual({ removed: true, mounts: inside });
    expect(ops.unmounted[0]).toBe(`${dir}/rootfs/dev/shm`);
    expect(ops.unmounted.indexOf(`${dir}/rootfs/dev/shm`)).toBeLessThan(ops.unmounted.indexOf(`${dir}/rootfs/dev`));
    expect(existsSync(dir)).toBe(false);
  });

  it('a mount that will not go leaves the whole tree in place, naming it', async () => {
    const ops = fakeMounts([`${dir}/rootfs/dev/shm`], [`${dir}/rootfs/dev/shm`]);
    expect(await removeUnmounted(dir, ops)).toEqual({ removed: false, mounts: [`${dir}/rootfs/dev/shm`] });
    expect(existsSync(join(dir, 'rootfs', 'file'))).toBe(true);
  });
});
