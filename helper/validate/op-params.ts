import type { HelperOpName, HelperOpParams } from '../../src/model/helper-ops.js';
import { checkDnsPort, checkHostsEntries, checkHostsInstance } from './hosts.js';
import { checkBridgeAddress, checkDnsServer, checkGuestIp } from './ips.js';
import { assertNoMetachar } from './metachar.js';
import { checkBridgeName, checkDmName, checkLoopDevice, checkTapName } from './names.js';
import { checkExecName, checkFirecrackerBinary, checkJailBase, checkJailBaseOnHost, checkJailerBinary, checkJailName, checkJailSource, checkVmId } from './jail.js';
import { resolveInsideRoots } from './paths.js';
import type { HelperPolicy } from './policy.js';
import { refuse } from './refuse.js';

/** Checks one operation's params against the policy; returns them normalised (paths resolved), or throws HelperRefusedError. */
type Validator<O extends HelperOpName> = (p: HelperOpParams<O>, policy: HelperPolicy) => HelperOpParams<O>;

/** Runs checks for their throw, then passes the params through unchanged. */
const checked =
  <O extends HelperOpName>(check: (p: HelperOpParams<O>, policy: HelperPolicy) => void): Validator<O> =>
  (p, policy) => {
    check(p, policy);
    return p;
  };

const nat = checked<'nat.up' | 'nat.down'>((p, policy) => {
  checkGuestIp(p.guestIP, policy);
  checkTapName(p.tap, policy);
  checkBridgeName(p.bridge, policy);
});

/**
 * One validator per operation. The mapped type makes the table fail closed:
 * an operation added to HELPER_OPS without a validator here does not compile,
 * so nothing reaches a handler unchecked. An operation with nothing to check
 * says so explicitly with `none`.
 */
const none = checked<HelperOpName>(() => undefined);

export const OP_VALIDATORS: { [O in HelperOpName]: Validator<O> } = {
  'helper.ping': none,
  'bridge.ensure': checked((p, policy) => {
    checkBridgeName(p.name, policy);
    checkBridgeAddress(p.address, policy);
  }),
  'tap.create': checked((p, policy) => {
    checkTapName(p.name, policy);
    checkBridgeName(p.bridge, policy);
  }),
  'tap.delete': checked((p, policy) => checkTapName(p.name, policy)),
  'nat.up': nat,
  'nat.down': nat,
  'loop.attach': (p, policy) => ({ ...p, path: resolveInsideRoots(p.path, policy.roots) }),
  'loop.detach': checked((p) => checkLoopDevice(p.device)),
  'dm.snapshotCreate': checked((p) => {
    checkDmName(p.name);
    checkLoopDevice(p.originDevice);
    checkLoopDevice(p.cowDevice);
  }),
  'dm.snapshotRemove': checked((p) => checkDmName(p.name)),
  'resolver.route': checked((p, policy) => {
    checkBridgeName(p.bridge, policy);
    checkDnsServer(p.server, policy);
  }),
  'resolver.unroute': checked((p, policy) => checkBridgeName(p.bridge, policy)),
  'dns.redirect': checked((p, policy) => {
    checkBridgeName(p.bridge, policy);
    checkDnsPort(p.port);
  }),
  'dns.unredirect': checked((p, policy) => checkBridgeName(p.bridge, policy)),
  'hosts.sync': checked((p, policy) => {
    checkHostsInstance(p.instance);
    checkHostsEntries(p.entries, policy);
  }),
  'jail.prepare': (p, policy) => {
    checkVmId(p.vmId);
    checkJailBase(p.chrootBase, policy);
    checkJailBaseOnHost(p.chrootBase);
    const names = [...p.links.map((l) => l.name), ...p.create];
    for (const n of names) checkJailName(n);
    if (new Set(names).size !== names.length) throw refuse('jail.name_invalid', 'a jail file name appears twice', 'give each file its own jail name');
    return {
      ...p,
      firecrackerBin: checkFirecrackerBinary(p.firecrackerBin, policy),
      links: p.links.map((l) => ({ source: checkJailSource(l.source, policy), name: l.name })),
    };
  },
  'jail.launch': (p, policy) => {
    checkVmId(p.vmId);
    checkJailBase(p.chrootBase, policy);
    checkJailBaseOnHost(p.chrootBase);
    checkJailerBinary(p.jailerBin);
    return { ...p, firecrackerBin: checkFirecrackerBinary(p.firecrackerBin, policy), consoleLog: resolveInsideRoots(p.consoleLog, policy.roots) };
  },
  'jail.remove': checked((p, policy) => {
    checkVmId(p.vmId);
    checkJailBase(p.chrootBase, policy);
    if (p.execName !== undefined) checkExecName(p.execName);
  }),
};

/**
 * Checks the meaning of already shape-checked params and returns them
 * normalised (paths replaced by their resolved form). Throws
 * HelperRefusedError before anything touches the host.
 */
export function validateOpParams<O extends HelperOpName>(op: O, params: HelperOpParams<O>, policy: HelperPolicy): HelperOpParams<O> {
  assertNoMetachar(params);
  // The table is keyed by op, so this lookup pairs each op with its own params type.
  const validate = OP_VALIDATORS[op] as Validator<O>;
  return validate(params, policy);
}
