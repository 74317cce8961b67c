import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../src/errors/index.js';
import { DEFAULT_BRIDGE, DEFAULT_CIDR, DEFAULT_TAP_PREFIX, policyProblem, type HelperPolicy } from './validate/index.js';

export interface HelperConfig {
  policy: HelperPolicy;
  socketPath: string;
  tokenFile: string | undefined;
  logLevel: string;
}

export const HELPER_USAGE = `usage: banger-helper --owner-uid UID --owner-gid GID --root DIR [--root DIR...]
                     [--socket PATH] [--bridge br-NAME] [--tap-prefix bgNAME] [--cidr A.B.C.D/P]
                     [--hosts-file /etc/hosts] [--jailer-base /srv/jailer] [--token-file PATH] [--log-level info]`;

/**
 * Parses the helper's flags (written into the systemd unit by
 * `banger system install`). Pure apart from reading nothing: the token file
 * is read by main, so tests can parse without files.
 */
export function parseHelperArgs(argv: readonly string[]): HelperConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'owner-uid': { type: 'string' },
        'owner-gid': { type: 'string' },
        root: { type: 'string', multiple: true },
        socket: { type: 'string' },
        bridge: { type: 'string' },
        'tap-prefix': { type: 'string' },
        cidr: { type: 'string' },
        'token-file': { type: 'string' },
        'hosts-file': { type: 'string' },
        'jailer-base': { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message, { hint: HELPER_USAGE });
  }
  const int = (name: string, v: string | undefined): number => {
    if (v === undefined || !/^\d+$/.test(v)) throw new UsageError(`--${name} must be a number`, { hint: HELPER_USAGE });
    return Number(v);
  };
  const policy: HelperPolicy = {
    ownerUid: int('owner-uid', values['owner-uid']),
    ownerGid: int('owner-gid', values['owner-gid']),
    bridge: values.bridge ?? DEFAULT_BRIDGE,
    tapPrefix: values['tap-prefix'] ?? DEFAULT_TAP_PREFIX,
    cidr: values.cidr ?? DEFAULT_CIDR,
    roots: values.root ?? [],
    ...(values['hosts-file'] !== undefined ? { hostsFile: values['hosts-file'] } : {}),
    ...(values['jailer-base'] !== undefined ? { jailBase: values['jailer-base'] } : {}),
  };
  const problem = policyProblem(policy);
  if (problem) throw new UsageError(problem, { hint: HELPER_USAGE });
  return {
    policy,
    socketPath: values.socket ?? '/run/banger/helper.sock',
    tokenFile: values['token-file'],
    logLevel: values['log-level'] ?? 'info',
  };
}

export function readToken(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 16) throw new UsageError(`token file ${path} holds fewer than 16 characters`, { hint: 'write a random token, e.g. banger system install does' });
  return token;
}
