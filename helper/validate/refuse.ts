import { HelperRefusedError } from '../../src/errors/index.js';

/** Refusal codes: stable, part of the contract with bangerd and tests. */
export type RefusalCode =
  | 'arg.schema'
  | 'arg.metachar'
  | 'op.unknown'
  | 'tap.name_invalid'
  | 'bridge.name_invalid'
  | 'ip.outside_cidr'
  | 'path.outside_layout'
  | 'loop.device_invalid'
  | 'dm.name_invalid'
  | 'resolver.server_invalid'
  | 'dns.port_invalid'
  | 'hosts.instance_invalid'
  | 'hosts.name_invalid'
  | 'caller.not_owner'
  | 'jail.id_invalid'
  | 'jail.base_invalid'
  | 'jail.name_invalid'
  | 'jail.binary_unsafe'
  | 'jail.exec_invalid';

export function refuse(code: RefusalCode, message: string, hint: string): HelperRefusedError {
  return new HelperRefusedError(message, { code, hint });
}
