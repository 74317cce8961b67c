/** The serial log's client-side buffer: appended chunks, only the last `max` characters kept (pure). */
export const LOG_KEEP = 200 * 1024;

export function appendLog(text: string, chunk: string, max = LOG_KEEP): string {
  const next = text + chunk;
  if (next.length <= max) return next;
  // Cut at a line start so the first line shown is whole.
  const cut = next.length - max;
  const nl = next.indexOf('\n', cut);
  return nl >= 0 && nl - cut < 4096 ? next.slice(nl + 1) : next.slice(cut);
}
