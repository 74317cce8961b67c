import { constants, accessSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join } from 'node:path';
import { FC_EXEC_NAME_RE } from '../../model/jail.js';

/**
 * What a configured Firecracker setup still lacks (config `firecracker_bin`,
 * `jailer_bin`, `jailer_chroot_base`), each with a one-line fix: for doctor's
 * rows (src/doctor wires it). Pure over a FsProbe; `realFsProbe` reads the host.
 */

export interface FsFacts {
  /** The filesystem (st_dev). */
  dev: number;
  uid: number;
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
  executable: boolean;
}

export interface FsProbe {
  /** Follows symlinks; undefined when the path does not exist. */
  stat(path: string): FsFacts | undefined;
  realpath(path: string): string | undefined;
  /** `firecracker` on PATH, when firecracker_bin is unset. */
  onPath(cmd: string): string | undefined;
}

export interface FirecrackerSetup {
  firecrackerBin?: string;
  jailerBin?: string;
  /** Config `jailer_chroot_base` (has a default; only looked at with a jailer). */
  jailerChrootBase: string;
  /** banger's state dir: the jail should be on its filesystem (hard links, snapshots renamed out). */
  stateDir?: string;
}

export type SetupProblemId = 'firecracker-binary' | 'jailer-binary' | 'jailer-chroot-base';

export interface SetupProblem {
  id: SetupProblemId;
  /** fail: jailed (or any) launches cannot work; warn: they work, slower or with more mounts. */
  severity: 'fail' | 'warn';
  /** One line: what is wrong. */
  detail: string;
  /** One line: how to fix it. */
  fix: string;
}

const RELEASES = 'github.com/firecracker-microvm/firecracker/releases';

const rootOnly = (f: FsFacts): boolean => f.uid === 0 && (f.mode & 0o022) === 0;

/** The first directory from / down to `dir` that someone other than root can write to. */
function writableAncestor(probe: FsProbe, dir: string): string | undefined {
  const chain: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    chain.unshift(d);
    if (d === '/') break;
  }
  for (const d of chain) {
    const f = probe.stat(d);
    if (!f) return undefined;
    if (!rootOnly(f)) return d;
  }
  return undefined;
}

function firecrackerProblems(s: FirecrackerSetup, probe: FsProbe): SetupProblem[] {
  const id = 'firecracker-binary';
  if (s.firecrackerBin === undefined) {
    if (probe.onPath('firecracker')) return [];
    return [{ id, severity: 'fail', detail: 'firecracker is not on PATH and firecracker_bin is not set', fix: `install Firecracker from ${RELEASES} and set firecracker_bin to it in config.toml` }];
  }
  const f = probe.stat(s.firecrackerBin);
  if (!f) return [{ id, severity: 'fail', detail: `firecracker_bin ${s.firecrackerBin} does not exist`, fix: `install Firecracker there (${RELEASES}) or point firecracker_bin at it` }];
  if (!f.isFile || !f.executable) return [{ id, severity: 'fail', detail: `firecracker_bin ${s.firecrackerBin} is not an executable file`, fix: `chmod 0755 ${s.firecrackerBin}` }];
  const name = basename(probe.realpath(s.firecrackerBin) ?? s.firecrackerBin);
  if (s.jailerBin !== undefined && !FC_EXEC_NAME_RE.test(name)) {
    return [{ id, severity: 'fail', detail: `the jailer only runs a binary whose name contains "firecracker"; ${name} does not`, fix: `rename it (e.g. ${join(dirname(s.firecrackerBin), 'firecracker')}) and update firecracker_bin` }];
  }
  return [];
}

function jailerProblems(s: FirecrackerSetup, probe: FsProbe): SetupProblem[] {
  if (s.jailerBin === undefined) return [];
  const id = 'jailer-binary';
  const install = `sudo install -o root -g root -m 0755 jailer /usr/local/bin/jailer, and set jailer_bin = "/usr/local/bin/jailer"`;
  if (!isAbsolute(s.jailerBin)) return [{ id, severity: 'fail', detail: `jailer_bin ${s.jailerBin} is not an absolute path`, fix: install }];
  const f = probe.stat(s.jailerBin);
  if (!f) return [{ id, severity: 'fail', detail: `jailer_bin ${s.jailerBin} does not exist`, fix: `install the jailer from the same Firecracker release: ${install}` }];
  if (!f.isFile || !f.executable) return [{ id, severity: 'fail', detail: `jailer_bin ${s.jailerBin} is not an executable file`, fix: install }];
  if (!rootOnly(f)) {
    return [{ id, severity: 'fail', detail: `the root helper runs the jailer as root, but ${s.jailerBin} is ${f.uid !== 0 ? `owned by uid ${f.uid}` : 'writable by group or others'}`, fix: `sudo chown root:root ${s.jailerBin} && sudo chmod 0755 ${s.jailerBin}` }];
  }
  const real = probe.realpath(s.jailerBin) ?? s.jailerBin;
  for (const dir of new Set([dirname(s.jailerBin), dirname(real)])) {
    const bad = writableAncestor(probe, dir);
    if (bad) return [{ id, severity: 'fail', detail: `the root helper runs the jailer as root, but ${bad} (above ${s.jailerBin}) is writable by others than root`, fix: install }];
  }
  return [];
}

/** Facts of `path`, or of its nearest existing parent (the filesystem it will be on). */
function nearest(probe: FsProbe, path: string): FsFacts | undefined {
  for (let d = path; ; d = dirname(d)) {
    const f = probe.stat(d);
    if (f || d === '/') return f;
  }
}

function chrootBaseProblems(s: FirecrackerSetup, probe: FsProbe): SetupProblem[] {
  if (s.jailerBin === undefined) return [];
  const id = 'jailer-chroot-base';
  const base = s.jailerChrootBase;
  const f = probe.stat(base);
  if (f && !f.isDirectory) return [{ id, severity: 'fail', detail: `jailer_chroot_base ${base} exists and is not a directory`, fix: `remove ${base}, or set jailer_chroot_base to a root-owned directory` }];
  if (f && !rootOnly(f)) return [{ id, severity: 'fail', detail: `jailer_chroot_base ${base} is not root-owned and closed to others`, fix: `sudo chown root:root ${base} && sudo chmod 0755 ${base}` }];
  const bad = writableAncestor(probe, dirname(base));
  if (bad) return [{ id, severity: 'fail', detail: `jailer_chroot_base ${base} is inside ${bad}, which users other than root can write to`, fix: 'set jailer_chroot_base to a directory under a root-owned one (the default /srv/jailer)' }];
  // Absent is fine: the helper creates it (root, 0755) at the first jailed start.
  if (s.stateDir) {
    const state = nearest(probe, s.stateDir);
    const jail = nearest(probe, base);
    if (state && jail && state.dev !== jail.dev) {
      return [{
        id,
        severity: 'warn',
        detail: `jailer_chroot_base ${base} is not on the filesystem of ${s.stateDir}: VM files are bind mounted into each jail and snapshots copied out of it`,
        fix: 'set jailer_chroot_base to a root-owned directory on the state dir\'s filesystem',
      }];
    }
  }
  return [];
}

/** Everything the configured Firecracker setup lacks; empty when it can launch VMs (as far as files go). */
export function firecrackerSetupProblems(s: FirecrackerSetup, probe: FsProbe = realFsProbe): SetupProblem[] {
  return [...firecrackerProblems(s, probe), ...jailerProblems(s, probe), ...chrootBaseProblems(s, probe)];
}

export const realFsProbe: FsProbe = {
  stat(path) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return undefined;
    let executable = false;
    try {
      accessSync(path, constants.X_OK);
      executable = st.isFile();
    } catch {
      executable = false;
    }
    return { dev: st.dev, uid: st.uid, mode: st.mode, isFile: st.isFile(), isDirectory: st.isDirectory(), executable };
  },
  realpath(path) {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  },
  onPath(cmd) {
    for (const d of (process.env.PATH ?? '').split(delimiter)) {
      if (!d) continue;
      const f = realFsProbe.stat(join(d, cmd));
      if (f?.executable) return join(d, cmd);
    }
    return undefined;
  },
};
