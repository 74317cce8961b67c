export { detectResolved, buildRouteCommands, manualQueryHint, routeVmDomain, unrouteVmDomain } from './resolved.js';
