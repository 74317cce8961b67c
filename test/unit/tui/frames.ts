/** Shared by the TUI's component tests: wait for a frame, not a fixed time. */
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

export const NOW = () => Date.parse('2026-11-23T10:05:00.000Z');

export async function waitForFrame(get: () => string | undefined, pred: (f: string) => boolean, timeoutMs = 2000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const f = get() ?? '';
    if (pred(f)) {
      // Ink attaches key handlers in passive effects that run after the frame is written
      // (setImmediate); let them run so the next key reaches the handler of this render.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      return f;
    }
    if (Date.now() > end) throw new Error(`frame never matched:\n${f}`);
    await tick();
  }
}
