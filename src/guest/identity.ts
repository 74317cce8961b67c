import { randomBytes } from 'node:crypto';
import { InternalError } from '../errors/index.js';
import { macFromIp, parseCidr } from '../host/network/index.js';
import type { GuestIdentity } from './agent-client.js';

export interface GuestIdentityInput {
  /** The VM name, which is also its hostname. */
  name: string;
  guestIP: string;
  /** The bridge CIDR, e.g. 172.16.0.1/24: its address is the gateway and bangerd's DNS. */
  bridgeCidr: string;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
  /** @default crypto.randomBytes */
  random?: (size: number) => Buffer;
}

/** Bytes of fresh randomness handed to the guest (128 hex digits; the agent takes 64-256). */
const SEED_BYTES = 64;

/**
 * The identity a restored guest is given (AgentClient.identity): the same
 * network facts the kernel `ip=` line carries on a cold boot (see
 * vmm/planner.ts), the MAC the tap is planned with, the current time and a
 * fresh seed. Pure apart from the default clock and random source.
 */
export function guestIdentity(input: GuestIdentityInput): GuestIdentity {
  const cidr = parseCidr(input.bridgeCidr);
  const now = input.now ?? Date.now;
  const seed = (input.random ?? randomBytes)(SEED_BYTES);
  if (seed.length !== SEED_BYTES) throw new InternalError(`the random source gave ${seed.length} bytes, not ${SEED_BYTES}`, { code: 'guest.bad_seed' });
  return {
    ip: input.guestIP,
    prefix: cidr.prefix,
    gateway: cidr.address,
    // bangerd's DNS answers guests on the gateway.
    dns: cidr.address,
    mac: macFromIp(input.guestIP),
    hostname: input.name,
    seed: seed.toString('hex'),
    time: Math.floor(now() / 1000),
  };
}
