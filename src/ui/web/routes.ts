/** The app's four routes, parsed from a path (pure; router.tsx wires it to history). */
export type Route = { page: 'vms' } | { page: 'vm'; name: string } | { page: 'images' } | { page: 'machines' } | { page: 'missing'; path: string };

export function parseRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/') return { page: 'vms' };
  if (p === '/images') return { page: 'images' };
  if (p === '/machines') return { page: 'machines' };
  const m = /^\/vms\/([^/]+)$/.exec(p);
  if (m) {
    try {
      return { page: 'vm', name: decodeURIComponent(m[1]!) };
    } catch {
      return { page: 'missing', path };
    }
  }
  return { page: 'missing', path };
}

export const vmHref = (name: string): string => `/vms/${encodeURIComponent(name)}`;
