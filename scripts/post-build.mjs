// Marks the compiled entry points executable (tsc keeps the shebang, not the mode).
import { chmodSync, existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
for (const bin of Object.values(pkg.bin)) {
  const path = new URL(`../${bin}`, import.meta.url);
  if (existsSync(path)) chmodSync(path, 0o755);
}
