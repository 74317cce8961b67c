import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ForwardProto } from '../model/index.js';

/** A socket found in /proc/net/{tcp,udp}[6]: its local address, port and inode. */
export interface ProcNetSocket {
  address: string;
  port: number;
  /** Kernel socket state: 0A is LISTEN for TCP, 07 is an unconnected ("closed") UDP socket. */
  state: string;
  inode: number;
}

/** Who holds a port: a process when /proc lets us see it. */
export interface PortHolder {
  pid: number;
  comm: string;
}

/**
 * Parses the text of /proc/net/tcp, tcp6, udp or udp6. Addresses are hex in
 * host byte order per 32-bit word (little-endian here), e.g. `0100007F:1F90`
 * is 127.0.0.1:8080.
 */
export function parseProcNet(text: string): ProcNetSocket[] {
  const out: ProcNetSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addrHex, portHex] = f[1]!.split(':');
    if (!addrHex || !portHex) continue;
    out.push({ address: decodeAddress(addrHex), port: parseInt(portHex, 16), state: f[3]!, inode: Number(f[9]) });
  }
  return out;
}

function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [w.slice(6, 8), w.slice(4, 6), w.slice(2, 4), w.slice(0, 2)].map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  // IPv4-mapped (::ffff:a.b.c.d) shows as the IPv4 address: that is what a user typed.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

const WILDCARDS = new Set(['0.0.0.0', '0:0:0:0:0:0:0:0', '::']);

/**
 * The sockets bound to this port that a bind of `address` collides with:
 * the same address, or a wildcard on either side. Only listening TCP sockets
 * and bound UDP sockets count (a TCP connection's local port is not a bind).
 */
export function socketsOnPort(sockets: readonly ProcNetSocket[], proto: ForwardProto, address: string, port: number): ProcNetSocket[] {
  return sockets.filter(
    (s) => s.port === port && (proto === 'udp' || s.state === '0A') && (s.address === address || WILDCARDS.has(s.address) || WILDCARDS.has(address)) && s.inode > 0,
  );
}

/**
 * Names the process holding `address:port`, by finding the socket's inode in
 * /proc/net and then the process with an fd on that inode. Undefined when the
 * holder cannot be seen (another user's process, another network namespace).
 */
export function findPortHolder(proto: ForwardProto, address: string, port: number, procRoot = '/proc'): PortHolder | undefined {
  const sockets: ProcNetSocket[] = [];
  for (const file of proto === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6']) {
    try {
      sockets.push(...parseProcNet(readFileSync(`${procRoot}/net/${file}`, 'utf8')));
    } catch {
      // no IPv6, or no /proc: nothing to name
    }
  }
  const inodes = new Set(socketsOnPort(sockets, proto, address, port).map((s) => `socket:[${s.inode}]`));
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!inodes.has(target)) continue;
      let comm = '?';
      try {
        comm = readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim();
      } catch {
        // exited meanwhile
      }
      return { pid: Number(pid), comm };
    }
  }
  return undefined;
}
