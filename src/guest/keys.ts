import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
// ssh2 is CommonJS and Node's ESM loader cannot see `utils` as a named export (Client it can).
import ssh2 from 'ssh2';
import { HostError } from '../errors/index.js';
import type { Layout } from '../host/layout.js';

/**
 * banger's own SSH keypair (ed25519, OpenSSH format) in layout.sshDir,
 * created on first use. Images get the public half in authorized_keys.
 */

export interface SshKey {
  privateKeyPath: string;
  publicKeyPath: string;
  privateKey: string;
  /** One authorized_keys line: "ssh-ed25519 AAAA... banger". */
  publicKey: string;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  fingerprint: string;
}

/** Returns the key, creating it (mode 0600, dir 0700) if absent. Idempotent and safe against a concurrent creator. */
export async function ensureSshKey(layout: Pick<Layout, 'sshDir' | 'sshKeyPath'>): Promise<SshKey> {
  const privateKeyPath = layout.sshKeyPath;
  const publicKeyPath = `${privateKeyPath}.pub`;
  const existing = await readPair(privateKeyPath, publicKeyPath);
  if (existing) return existing;

  await mkdir(layout.sshDir, { recursive: true, mode: 0o700 });
  const pair = generateKeyPair();
  // Unique per call: two creators in one process (e.g. two image builds at once) shared `.tmp-PID` and
  // renamed a file the other was still writing, leaving a malformed key.
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = `${privateKeyPath}${suffix}`;
  await writeFile(tmp, pair.private, { mode: 0o600 });
  await writeFile(`${publicKeyPath}${suffix}`, `${pair.public}\n`, { mode: 0o644 });
  await chmod(tmp, 0o600);
  // Rename the public half first: a reader that sees the private key also sees its public key.
  await rename(`${publicKeyPath}${suffix}`, publicKeyPath);
  await rename(tmp, privateKeyPath);
  const made = await readPair(privateKeyPath, publicKeyPath);
  if (!made) throw new HostError(`could not create SSH key at ${privateKeyPath}`, { hint: `check permissions of ${layout.sshDir}` });
  return made;
}

/**
 * A new ed25519 pair that ssh2 can read back. ssh2's generator writes about
 * 4 in 1000 private keys its own parser calls "Malformed OpenSSH private key"
 * (measured: 11 of 3000), which surfaced as a daemon refusing its own fresh
 * key; such a pair is thrown away and another made.
 */
export function generateKeyPair(): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'banger' });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new HostError('could not generate an SSH key ssh2 can read', { hint: 'report this: 20 generated keys in a row were unreadable' });
}

async function readPair(priv: string, pub: string): Promise<SshKey | undefined> {
  let privateKey: string;
  let publicKey: string;
  try {
    privateKey = await readFile(priv, 'utf8');
    publicKey = (await readFile(pub, 'utf8')).trim();
  } catch {
    return undefined;
  }
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    throw new HostError(`banger's SSH key ${priv} is unreadable: ${parsed.message}`, {
      hint: `move it aside; banger creates a new one on next use`,
    });
  }
  return { privateKeyPath: priv, publicKeyPath: pub, privateKey, publicKey, fingerprint: fingerprintOf(publicKey) };
}

/** SHA256 fingerprint of an OpenSSH public key line. */
export function fingerprintOf(publicKeyLine: string): string {
  const b64 = publicKeyLine.split(/\s+/)[1] ?? '';
  const digest = createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '');
  return `SHA256:${digest}`;
}
