import { run } from '../../host/exec/index.js';

/** Absolute paths of the shared objects an ELF binary needs, from `ldd` output (vdso excluded). */
export function parseLddOutput(out: string): string[] {
  const libs: string[] = [];
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    const arrow = /=>\s+(\/\S+)\s+\(/.exec(line);
    if (arrow?.[1]) libs.push(arrow[1]);
    else {
      const loader = /^(\/\S+)\s+\(0x/.exec(line);
      if (loader?.[1]) libs.push(loader[1]);
    }
  }
  return [...new Set(libs)];
}

export async function sharedLibs(binary: string, signal?: AbortSignal): Promise<string[]> {
  const res = await run('ldd', [binary], { signal });
  return parseLddOutput(res.stdout);
}
