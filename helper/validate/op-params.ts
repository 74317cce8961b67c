import type { HelperOpName, HelperOpParams } from '../protocol.js';
import { checkDnsPort, checkHostsEntries, checkHostsInstance } from './hosts.js';
import { checkBridgeAddress, checkDnsServer, checkGuestIp } from './ips.js';
import { assertNoMetachar } from './metachar.js';
import { checkBridgeName, checkDmName, checkLoopDevice, checkTapName } from './names.js';
import { resolveInsideRoots } from './paths.js';
import type { HelperPolicy } from './policy.js';

/**
 * Checks the meaning of already shape-checked params and returns them
 * normalised (paths replaced by their resolved form). Throws
 * HelperRefusedError before anything touches the host.
 */
export function validateOpParams<O extends HelperOpName>(op: O, params: HelperOpParams<O>, policy: HelperPolicy): HelperOpParams<O> {
  assertNoMetachar(params);
  // One switch over a union of ops: each branch narrows through a cast to its own params.
  const p = params as Record<string, unknown>;
  const str = (k: string) => p[k] as string;
  switch (op) {
    case 'helper.ping':
    case 'sysctl.ipForward':
      return params;
    case 'bridge.ensure':
      checkBridgeName(str('name'), policy);
      checkBridgeAddress(str('address'), policy);
      return params;
    case 'bridge.delete':
      checkBridgeName(str('name'), policy);
      return params;
    case 'tap.create':
      checkTapName(str('name'), policy);
      checkBridgeName(str('bridge'), policy);
      return params;
    case 'tap.delete':
      checkTapName(str('name'), policy);
      return params;
    case 'nat.up':
    case 'nat.down':
      checkGuestIp(str('guestIP'), policy);
      checkTapName(str('tap'), policy);
      checkBridgeName(str('bridge'), policy);
      return params;
    case 'loop.attach':
    case 'socket.chown':
      return { ...params, path: resolveInsideRoots(str('path'), policy.roots) } as HelperOpParams<O>;
    case 'loop.detach':
      checkLoopDevice(str('device'));
      return params;
    case 'dm.snapshotCreate':
      checkDmName(str('name'));
      checkLoopDevice(str('originDevice'));
      checkLoopDevice(str('cowDevice'));
      return params;
    case 'dm.snapshotRemove':
      checkDmName(str('name'));
      return params;
    case 'resolver.route':
      checkBridgeName(str('bridge'), policy);
      checkDnsServer(str('server'), policy);
      return params;
    case 'resolver.unroute':
    case 'dns.unredirect':
      checkBridgeName(str('bridge'), policy);
      return params;
    case 'dns.redirect':
      checkBridgeName(str('bridge'), policy);
      checkDnsPort(p.port as number);
      return params;
    case 'hosts.sync':
      checkHostsInstance(str('instance'));
      checkHostsEntries(p.entries as HelperOpParams<'hosts.sync'>['entries'], policy);
      return params;
    default:
      return params;
  }
}
