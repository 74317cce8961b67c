import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * banger's own known_hosts (never the user's): each VM's host key is pinned on
 * first contact under its names (`NAME.vm` and its IP) and forgotten when the
 * VM is deleted, so a new VM reusing a name or IP is not mistaken for an attack
 * while a changed key on a live VM is refused. OpenSSH format, so `ssh NAME.vm`
 * with banger's ssh_config reads the same file.
 */

export interface HostKey {
  type: string;
  /** Base64 of the SSH wire-format public key blob. */
  blob: string;
}

/** The key type is the first length-prefixed string of the wire-format blob. */
export function hostKeyFromBlob(raw: Buffer): HostKey {
  if (raw.length < 4) throw new Error('host key blob too short');
  const len = raw.readUInt32BE(0);
  const type = raw.subarray(4, 4 + len).toString('ascii');
  return { type, blob: raw.toString('base64') };
}

export function parseKnownHosts(text: string): Array<{ hosts: string[]; key: HostKey }> {
  const out: Array<{ hosts: string[]; key: HostKey }> = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [hosts, type, blob] = t.split(/\s+/);
    if (!hosts || !type || !blob) continue;
    out.push({ hosts: hosts.split(','), key: { type, blob } });
  }
  return out;
}

export type HostKeyVerdict = 'match' | 'unknown' | 'mismatch';

export class KnownHosts {
  constructor(private readonly path: string) {}

  async verdict(names: readonly string[], key: HostKey): Promise<HostKeyVerdict> {
    const entries = parseKnownHosts(await this.read());
    const relevant = entries.filter((e) => e.hosts.some((h) => names.includes(h)));
    if (relevant.length === 0) return 'unknown';
    return relevant.some((e) => e.key.type === key.type && e.key.blob === key.blob) ? 'match' : 'mismatch';
  }

  async pin(names: readonly string[], key: HostKey): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // O_APPEND keeps concurrent pins from different processes from clobbering each other.
    await appendFile(this.path, `${names.join(',')} ${key.type} ${key.blob}\n`, { mode: 0o600 });
  }

  /** Removes every entry naming any of `names`. Idempotent. */
  async forget(names: readonly string[]): Promise<number> {
    const text = await this.read();
    if (!text) return 0;
    const lines = text.split('\n');
    const kept: string[] = [];
    let removed = 0;
    for (const line of lines) {
      const hosts = line.trim().split(/\s+/)[0]?.split(',') ?? [];
      if (hosts.some((h) => names.includes(h))) removed++;
      else kept.push(line);
    }
    if (removed === 0) return 0;
    const tmp = `${this.path}.tmp-${process.pid}`;
    await writeFile(tmp, kept.join('\n'), { mode: 0o600 });
    await rename(tmp, this.path);
    return removed;
  }

  private async read(): Promise<string> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }
}
