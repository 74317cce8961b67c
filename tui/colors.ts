import { createContext, useContext } from 'react';

/**
 * Whether the TUI may use colour. NO_COLOR (https://no-color.org) set and
 * non-empty turns it off; FORCE_COLOR (set, not "0" or "false") turns it back
 * on, as Node's own tty.getColorDepth ranks the two. chalk (inside Ink) reads
 * FORCE_COLOR but not NO_COLOR, so the app itself leaves colour props out.
 * Bold, dim and inverse stay: they are not colour, and the selection is
 * inverse plus a `>` marker either way.
 */
export function colorsWanted(env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  return !env.NO_COLOR;
}

export const ColorsContext = createContext(true);

/** `tint(c)` is `c` when colour is on, else undefined (Ink's "no colour"). */
export function useTint(): (color: string | undefined) => string | undefined {
  const on = useContext(ColorsContext);
  return (color) => (on ? color : undefined);
}
