import { connect, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { GuestError, UsageError } from '../../../errors/index.js';

/** Where the proxy connects: the guest's address as bangerd reports it. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/** Turns NAME.vm (ssh's %h) into a VM name; `vm` is the only domain banger serves. */
export function vmNameFromHost(host: string): string {
  const name = host.replace(/\.$/, '').replace(/\.vm$/i, '');
  if (name === '' || name.includes('.')) {
    throw new UsageError(`"${host}" is not a banger VM host name`, { code: 'ssh_proxy.host_invalid', hint: 'use NAME.vm, e.g. ssh devbox.vm' });
  }
  return name;
}

export function parsePort(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65_535) {
    throw new UsageError(`"${raw}" is not a TCP port`, { code: 'ssh_proxy.port_invalid', hint: 'ssh passes %p; run it as: banger ssh-proxy NAME.vm 22' });
  }
  return n;
}

export interface PipeOptions {
  /** How long to wait for the TCP handshake. @default 10000 */
  connectTimeoutMs?: number;
  /** Used in error messages, e.g. "devbox.vm". */
  label?: string;
  /** The VM's name, for hints that name the command to check it. */
  vmName?: string;
}

/** The command that shows the VM: by its name when known, else the list. */
const checkVm = (vmName: string | undefined): string => (vmName !== undefined ? `banger vm show ${vmName}` : 'banger vm list');

/**
 * Connects to `target` and copies bytes both ways until the guest closes:
 * stdin → socket (EOF becomes a half-close, as ssh expects), socket → stdout.
 * Resolves when the connection is closed; stdout is left open because it may
 * be the process's own. Rejects with GuestError when the connection cannot be
 * made or breaks.
 */
export async function pipeToTarget(target: ProxyTarget, io: { stdin: Readable; stdout: Writable }, opts: PipeOptions = {}): Promise<void> {
  const label = opts.label ?? `${target.host}:${target.port}`;
  const socket = await open(target, label, opts.connectTimeoutMs ?? 10_000, opts.vmName);
  await new Promise<void>((resolve, reject) => {
    let failed: Error | undefined;
    socket.on('error', (err: NodeJS.ErrnoException) => {
      failed = new GuestError(`connection to ${label} (${target.host}:${target.port}) broke: ${err.code ?? err.message}`, {
        code: 'guest.proxy_broken',
        hint: `check the VM: ${checkVm(opts.vmName)}`,
      });
    });
    // ssh went away (EPIPE on our stdout): nobody is reading, so drop the connection quietly.
    const onStdoutError = () => socket.destroy();
    io.stdout.on('error', onStdoutError);
    socket.on('close', () => {
      io.stdin.unpipe(socket);
      socket.unpipe(io.stdout);
      io.stdout.off('error', onStdoutError);
      if (failed) reject(failed);
      else resolve();
    });
    // Interactive sessions send single keystrokes: do not let Nagle hold them back.
    socket.setNoDelay(true);
    io.stdin.pipe(socket);
    socket.pipe(io.stdout, { end: false });
  });
}

function open(target: ProxyTarget, label: string, timeoutMs: number, vmName: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(unreachable(label, target, `no answer in ${Math.round(timeoutMs / 1000)}s`, vmName));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(unreachable(label, target, err.code ?? err.message, vmName));
    });
  });
}

function unreachable(label: string, t: ProxyTarget, why: string, vmName: string | undefined): GuestError {
  return new GuestError(`cannot reach ${label} at ${t.host}:${t.port}: ${why}`, {
    code: 'guest.unreachable',
    hint: `is the VM running and its SSH server up? ${checkVm(vmName)}`,
  });
}

/** Finds a VM's SSH address by name (bangerd's `vm.ssh` in the CLI; a fake in tests). */
export type ResolveVm = (name: string) => Promise<ProxyTarget>;

/**
 * The whole ProxyCommand: NAME.vm → VM name → address → byte pipe. ssh's
 * default port 22 means "the VM's SSH server", so it maps to the port the
 * resolver reports; any other port (ssh -p) is used as given.
 */
export async function proxySsh(
  host: string,
  rawPort: string,
  resolve: ResolveVm,
  io: { stdin: Readable; stdout: Writable },
  opts: Omit<PipeOptions, 'label' | 'vmName'> = {},
): Promise<void> {
  const name = vmNameFromHost(host);
  const port = parsePort(rawPort);
  const t = await resolve(name);
  await pipeToTarget({ host: t.host, port: port === 22 ? t.port : port }, io, { ...opts, label: `${name}.vm`, vmName: name });
}
