/**
 * SSH sends one command string that the guest's shell parses, so argv from the
 * user must be quoted for a POSIX shell. Single quotes are literal there except
 * for the quote itself, which becomes '\''.
 */
export function shellQuote(arg: string): string {
  if (arg.length > 0 && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Joins argv into one command line for the guest shell. A single argument is passed as written (it may be a shell snippet). */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 1) return argv[0]!;
  return argv.map(shellQuote).join(' ');
}
