import { readFile } from 'node:fs/promises';

/** Mount points in /proc/PID/mountinfo text (field 5, octal escapes such as \040 undone). Pure. */
export function parseMountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))));
}

/** The mount points at or under `dir`, deepest first (the order they can be unmounted in). Pure. */
export function mountsUnder(mountPoints: readonly string[], dir: string): string[] {
  return mountPoints.filter((m) => m === dir || m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
}

/** This process's mount points; none when /proc cannot be read. */
export async function readMountPoints(): Promise<string[]> {
  return parseMountPoints(await readFile('/proc/self/mountinfo', 'utf8').catch(() => ''));
}
