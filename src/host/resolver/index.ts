export type { ResolvedProbe, ResolvedDetection } from './resolved.js';
export {
  VM_DOMAIN,
  realProbe,
  detectResolved,
  buildRouteCommands,
  buildUnrouteCommands,
  manualQueryHint,
  routeVmDomain,
  unrouteVmDomain,
} from './resolved.js';
