import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { Client } from 'ssh2';
import { GuestError } from '../../errors/index.js';
import { execStream } from '../ssh/exec.js';
import { shellQuote } from '../ssh/quote.js';

/**
 * Streams a staged workspace into the guest as a tar archive over one SSH
 * exec: no temp file on either side, symlinks travel as links (tar without -h
 * never dereferences them), and ownership is left to the guest's root user.
 */
export async function copyDirToGuest(
  client: Client,
  stagingDir: string,
  guestPath: string,
  opts: { signal?: AbortSignal; /** @default "/root/" */ guestRoot?: string; /** For the hint that names the fix. */ vmName?: string } = {},
): Promise<void> {
  const guestRoot = opts.guestRoot ?? '/root/';
  if (!guestPath.startsWith(guestRoot) || guestPath.includes('/../')) {
    throw new GuestError(`refusing to copy the workspace to ${guestPath}; it must be under ${guestRoot}`);
  }
  const tar = spawn('tar', ['-C', stagingDir, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Attach a reader now: piping tar's stdout into the channel only after the
  // exec round trip lost the whole archive when tar had already exited.
  const archive = new PassThrough();
  tar.stdout.pipe(archive);
  let tarErr = '';
  tar.stderr.on('data', (c: Buffer) => (tarErr += c.toString()));
  const tarExit = new Promise<number>((resolve) => tar.on('close', (code) => resolve(code ?? 1)));
  const remote = `rm -rf ${shellQuote(guestPath)} && mkdir -p ${shellQuote(guestPath)} && tar -xf - -C ${shellQuote(guestPath)}`;
  let remoteErr = '';
  const errSink = new PassThrough();
  errSink.on('data', (c: Buffer) => (remoteErr += c.toString()));
  const res = await execStream(client, remote, { stdin: archive, stderr: errSink, signal: opts.signal });
  const code = await tarExit;
  if (code !== 0) throw new GuestError(`packing the workspace failed: ${tarErr.trim() || `tar exited ${code}`}`);
  if (res.code !== 0) {
    throw new GuestError(`unpacking the workspace in the guest failed (exit ${res.code}): ${remoteErr.trim()}`, {
      hint: `check free space on the work disk with banger vm ssh ${opts.vmName ?? '<vm>'} -- df -h /root`,
    });
  }
}
