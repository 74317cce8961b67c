/** What the full-screen helper needs from a terminal stream. */
export interface TerminalOut {
  write(s: string): boolean;
  on(ev: 'resize', fn: () => void): unknown;
  off(ev: 'resize', fn: () => void): unknown;
}

const ENTER_ALT = '\u001B[?1049h';
const LEAVE_ALT = '\u001B[?1049l';
const CLEAR_HOME = '\u001B[2J\u001B[H';

/**
 * Runs the TUI on the terminal's alternate screen (the user's scrollback is
 * back as it was on exit) and wipes the whole screen on every resize. Ink
 * erases its previous frame by line count, but the terminal has already
 * re-wrapped those lines at the new width, so without a full clear a shrink
 * leaves fragments of the old frame above the new one.
 *
 * Call `attach` BEFORE Ink's render(): the resize listener must run before
 * Ink's own, so `forget()` (the instance's clear()) makes Ink redraw in full.
 */
export function fullScreen(out: TerminalOut) {
  let forget: (() => void) | undefined;
  const onResize = (): void => {
    forget?.();
    out.write(CLEAR_HOME);
  };
  return {
    attach(): void {
      out.write(ENTER_ALT + CLEAR_HOME);
      out.on('resize', onResize);
    },
    /** Hands over Ink's `clear()` once render() returned. */
    setForget(fn: () => void): void {
      forget = fn;
    },
    detach(): void {
      out.off('resize', onResize);
      out.write(LEAVE_ALT);
    },
  };
}
