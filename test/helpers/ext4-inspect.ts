import { spawnSync } from 'node:child_process';

/** What tests read back from an ext4 image with debugfs (no mount, no privilege). */
export interface Ext4Stat {
  inode: number;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  links: number;
  link?: string;
  /** "major:minor" of a device node. */
  device?: string;
}

/** debugfs facts about a path inside an ext4 image, or undefined when it is not there. */
export function ext4Stat(img: string, path: string): Ext4Stat | undefined {
  const r = spawnSync('debugfs', ['-R', `stat ${path}`, img], { encoding: 'utf8' });
  const m = /Type:\s+(.+?)\s+Mode:\s+(\d+)/.exec(r.stdout);
  if (!m) return undefined;
  const link = /Fast link dest:\s+"(.*)"/.exec(r.stdout)?.[1];
  const dev = /Device major\/minor number:\s+(\d+):(\d+)/.exec(r.stdout);
  return {
    inode: Number(/Inode:\s+(\d+)/.exec(r.stdout)?.[1]),
    type: m[1]!,
    mode: parseInt(m[2]!, 8),
    uid: Number(/User:\s+(\d+)/.exec(r.stdout)?.[1]),
    gid: Number(/Group:\s+(\d+)/.exec(r.stdout)?.[1]),
    links: Number(/Links:\s+(\d+)/.exec(r.stdout)?.[1]),
    ...(link !== undefined ? { link } : {}),
    ...(dev ? { device: `${Number(dev[1])}:${Number(dev[2])}` } : {}),
  };
}

/** Names in a directory of the image, sorted, without . and .. */
export function ext4Ls(img: string, dir: string): string[] {
  const r = spawnSync('debugfs', ['-R', `ls -p ${dir}`, img], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.split('/')[5] ?? '').filter((n) => n && n !== '.' && n !== '..').sort();
}

export function ext4Cat(img: string, path: string): string {
  return spawnSync('debugfs', ['-R', `cat ${path}`, img], { encoding: 'utf8' }).stdout;
}

export interface Ext4Entry {
  path: string;
  inode: number;
  mode: number;
  uid: number;
  gid: number;
}

/** Every entry of the image (lost+found included), one debugfs run per directory depth. */
export function ext4Walk(img: string): Ext4Entry[] {
  const out: Ext4Entry[] = [];
  let dirs = ['/'];
  while (dirs.length) {
    const input = dirs.map((d) => `ls -p "${d}"\n`).join('');
    const r = spawnSync('debugfs', ['-f', '-', img], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const next: string[] = [];
    let dir = '/';
    for (const line of r.stdout.split('\n')) {
      const cmd = /^debugfs: ls -p "(.*)"$/.exec(line);
      if (cmd) {
        dir = cmd[1]!;
        continue;
      }
      // ls -p: /inode/mode/uid/gid/name/size/
      const f = line.split('/');
      const name = f[5];
      if (f.length < 7 || !name || name === '.' || name === '..') continue;
      const e = { path: dir === '/' ? `/${name}` : `${dir}/${name}`, inode: Number(f[1]), mode: parseInt(f[2]!, 8), uid: Number(f[3]), gid: Number(f[4]) };
      out.push(e);
      if ((e.mode & 0o170000) === 0o040000) next.push(e.path);
    }
    dirs = next;
  }
  return out;
}
