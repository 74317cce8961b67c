// Bundles the dashboard's browser app (src/ui/web) into dist/ui/assets: one ESM script and one stylesheet,
// which `banger ui`'s server serves as /assets/app.js and /assets/app.css.
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/ui/assets`;

await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/ui/web/main.tsx' },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  logLevel: 'warning',
});
await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/ui/web/styles.css' },
  outdir,
  bundle: true,
  minify: true,
  logLevel: 'warning',
});

if (process.argv.includes('--sizes')) {
  for (const f of ['app.js', 'app.css']) console.log(`${f} ${statSync(`${outdir}/${f}`).size} bytes`);
}
