/** A history.pushState router: the current route as state, and links that navigate without a reload. */
import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';
import { parseRoute, type Route } from './routes.js';

const NAV_EVENT = 'banger:navigate';

export function navigate(href: string): void {
  if (href === location.pathname + location.search) return;
  history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAV_EVENT));
  window.scrollTo(0, 0);
}

function subscribe(fn: () => void): () => void {
  window.addEventListener('popstate', fn);
  window.addEventListener(NAV_EVENT, fn);
  return () => {
    window.removeEventListener('popstate', fn);
    window.removeEventListener(NAV_EVENT, fn);
  };
}

const pathname = (): string => location.pathname;

export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, pathname));
}

export function Link(props: { href: string; children: ReactNode; className?: string; testId?: string; current?: boolean }): ReactNode {
  const onClick = (e: MouseEvent<HTMLAnchorElement>): void => {
    // Let the browser handle new-tab clicks.
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} onClick={onClick} className={props.className} data-testid={props.testId} aria-current={props.current ? 'page' : undefined}>
      {props.children}
    </a>
  );
}
